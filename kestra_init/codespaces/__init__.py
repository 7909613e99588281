"""GitHub Codespaces and dev containers: detection, forwarded URLs, and their checks.

- ``environment``: are we in a codespace, and the browser URL of a forwarded port;
- ``checks``: what `doctor` checks only there (Docker inside, the UI port forwarded).
"""
