"""What ``sync`` has to do: local flows against the server's sources, per flow.

Local flows are the documents of the flow files, cut from the text as written
(``services.local_flows``), never re-serialised. Equality is "same source
text" as Kestra keeps it (``flows.source_text.comparable``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from enum import Enum

from kestra_init.flows.source_text import comparable, identify
from kestra_init.services.local_flows import LocalFlow


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DELETE = "delete"
    # On the server, in a namespace the files use, declared by no file: kept
    # (without --prune, or when pruning is not safe this run).
    SERVER_ONLY = "only on server"


CHANGES = (Action.CREATE, Action.UPDATE)


@dataclass(frozen=True)
class PlanEntry:
    namespace: str
    id: str
    action: Action
    local: LocalFlow | None = None  # None for what is only on the server
    stored: str | None = None  # the server's source, when it has the flow

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.id)


def server_flows(namespace: str, sources: Iterable[str]) -> dict[str, str]:
    """The stored sources of exactly ``namespace`` (the export also gives sub-namespaces)."""
    found: dict[str, str] = {}
    for source in sources:
        identity = identify(source)
        if identity and identity[0] == namespace:
            found[identity[1]] = source
    return found


def plan_sync(
    local: Iterable[LocalFlow],
    server: Mapping[str, Mapping[str, str]],
    *,
    prune: bool = False,
    declared: Set[tuple[str, str]] = frozenset(),
    prunable: Set[tuple[str, str]] | None = None,
) -> list[PlanEntry]:
    """One entry per flow: create, update, unchanged, and what is only on the server.

    ``server`` maps each namespace the local flows use to its stored sources by
    id. A server flow no local flow matches is a delete with ``prune`` unless a
    file declares it (``declared``: flows held back for their errors, or defined
    twice, are never deleted), else it is listed as only on the server. Only
    the namespaces of the local flows are looked at: a namespace the project's
    files do not use is never touched. With ``prunable`` (the watch: the flows
    whose declaration went away while watching), only those may be deleted,
    and their namespaces are looked at too.
    """
    entries: list[PlanEntry] = []
    local_ids: dict[str, set[str]] = {}
    for flow in local:
        local_ids.setdefault(flow.namespace, set()).add(flow.id)
        stored = server.get(flow.namespace, {}).get(flow.id)
        if stored is None:
            action = Action.CREATE
        elif comparable(stored) == comparable(flow.source):
            action = Action.UNCHANGED
        else:
            action = Action.UPDATE
        entries.append(PlanEntry(flow.namespace, flow.id, action, flow, stored))
    in_scope = set(local_ids) | {key[0] for key in prunable or ()}
    for namespace in sorted(in_scope):
        stored_flows = server.get(namespace, {})
        for flow_id in sorted(set(stored_flows) - local_ids.get(namespace, set())):
            key = (namespace, flow_id)
            allowed = prunable is None or key in prunable
            deletable = prune and allowed and key not in declared
            action = Action.DELETE if deletable else Action.SERVER_ONLY
            entries.append(PlanEntry(namespace, flow_id, action, None, stored_flows[flow_id]))
    return entries
