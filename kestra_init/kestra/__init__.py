"""Talking to a Kestra server: the HTTP client, its errors and the shapes it returns.

``client`` imports httpx; import it only inside the commands that make requests.
"""
