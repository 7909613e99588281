"""Bring the server's flows and namespace files into the project: `kestra-init pull`.

- ``model``: what pull plans and does, item by item (``PullResult``);
- ``local``: which file declares each flow, and a file's new text;
- ``plan``: each server flow and file against the project's (behind, conflict...);
- ``apply``: the writes, atomic and inside the project;
- ``pipeline``: ``pull_project``, all of the above in order.
"""
