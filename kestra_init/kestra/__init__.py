"""Talking to a Kestra server over its REST API.

- ``connection``: where the server is and which credentials go to it (no httpx);
- ``transport``: HTTP on httpx, retries, request counting;
- ``client``: one method per endpoint kestra-init uses (``KestraClient``);
- ``http_errors``: what a server answered, turned into errors a person can act on;
- ``models``: the shapes of its answers (executions, logs, validation verdicts);
- ``sse``: reading its Server-Sent Events streams.

Only ``transport`` and ``client`` import httpx; import them inside the
functions that make requests.
"""
