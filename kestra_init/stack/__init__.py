"""The Docker side of a project: preflight checks, compose, readiness and failure hints.

python-on-whales is imported only inside the functions that call Docker, so
importing this package costs nothing.
"""
