"""Make a server's flows and namespace files match the project's.

- ``plan``: local flows against the server's sources, one entry per flow;
- ``namespace_files``: the project's ``namespace-files/`` and their plan;
- ``results``: what happened to each flow and file (``SyncResult``);
- ``apply``: writing a plan, namespace by namespace;
- ``pipeline``: ``sync_flows``, all of the above in order.
"""
