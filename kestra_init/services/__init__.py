"""What several commands share, between ``commands/`` and the domain packages.

- ``local_flows``: the project's flow files read as flows (namespace, id, source);
- ``sync/``: plan the server's flows and namespace files against the project's,
  confirm, apply, report per flow (used by `sync`, `up` and `status`);
- ``follow``: start an execution and follow it to its end (`run`, `up --smoke`).

Services take their adapters (a ``KestraClient``) from the caller and never
print: progress goes through callbacks, results are returned.
"""
