"""What a burst of saves touched, for `sync --watch`: flow files, namespaces, vanished flows.

The watcher reports paths; this module turns them into what a sync needs:
the flow files to read again (those that exist) and the ones that are gone,
the namespaces whose namespace files changed, and, from the index of which
file declared which flow, the flows no file declares any more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kestra_init.flows.discover import FLOW_SUFFIXES, find_flow_files
from kestra_init.services.local_flows import FlowSet, Key

# Folders the flow search never enters (flows.discover), nor does the watch.
_SKIPPED = {".git", ".venv", "node_modules", "__pycache__"}


@dataclass
class Touched:
    """What one or more bursts touched and has not been synced yet."""

    flow_files: set[Path] = field(default_factory=set)
    namespaces: set[str] = field(default_factory=set)  # of namespace files
    removed_files: set[Path] = field(default_factory=set)  # namespace files deleted here

    def __bool__(self) -> bool:
        return bool(self.flow_files or self.namespaces or self.removed_files)

    def merge(self, other: Touched) -> None:
        self.flow_files |= other.flow_files
        self.namespaces |= other.namespaces
        self.removed_files |= other.removed_files


@dataclass(frozen=True)
class WatchedPaths:
    """Where flows and namespace files are, as the sync reads them."""

    flow_roots: tuple[Path, ...]  # folders searched for flow files
    flow_files: tuple[Path, ...]  # single files given on the command line
    namespace_files_dir: Path | None

    def folders(self) -> list[Path]:
        """What the watcher watches: the folders, and the folder of each single file
        (an editor that saves by renaming a new file over the old one replaces the
        file itself, which a watch on the file would lose)."""
        found = [*self.flow_roots, *(file.parent for file in self.flow_files)]
        if self.namespace_files_dir is not None and self.namespace_files_dir.is_dir():
            found.append(self.namespace_files_dir)
        unique: list[Path] = []
        for folder in sorted({f.absolute() for f in found}, key=lambda p: len(p.parts)):
            if not any(folder.is_relative_to(kept) for kept in unique):
                unique.append(folder)
        return unique

    def classify(self, paths: Iterable[Path], known: Iterable[Path]) -> Touched:
        """The flow files and namespaces ``paths`` touch. A folder that moved or went
        away touches the known flow files under it; one that came, the files in it."""
        touched = Touched()
        known = list(known)
        for raw in paths:
            path = raw.absolute()
            namespace = self._namespace_of(path)
            if namespace is not None:
                touched.namespaces.add(namespace)
                if not path.exists() and path != self._namespace_root(namespace):
                    touched.removed_files.add(path)
                continue
            if not self._flow_related(path):
                continue
            if path.is_dir():
                touched.flow_files.update(find_flow_files([path]))
            elif self._is_flow_file(path):
                touched.flow_files.add(path)
            touched.flow_files.update(file for file in known if file.is_relative_to(path))
        return touched

    # Helpers ------------------------------------------------------------------
    def _namespace_root(self, namespace: str) -> Path | None:
        if self.namespace_files_dir is None:
            return None
        return self.namespace_files_dir.absolute() / namespace

    def _namespace_of(self, path: Path) -> str | None:
        root = self.namespace_files_dir
        if root is None or not path.is_relative_to(root.absolute()):
            return None
        parts = path.relative_to(root.absolute()).parts
        if not parts or any(part.startswith(".") for part in parts):
            return None  # hidden files are never uploaded (namespace_files)
        return parts[0]

    def _flow_related(self, path: Path) -> bool:
        if path in (file.absolute() for file in self.flow_files):
            return True
        for root in self.flow_roots:
            root = root.absolute()
            if path == root or path.is_relative_to(root):
                parts = path.relative_to(root).parts
                return not any(part.startswith(".") or part in _SKIPPED for part in parts)
        return False

    def _is_flow_file(self, path: Path) -> bool:
        if path in (file.absolute() for file in self.flow_files):
            return True
        return path.name.lower().endswith(FLOW_SUFFIXES)


class FlowIndex:
    """Which file declared which flows when last read; a file whose documents were
    not all identified is ``unsure`` (it may declare more than is known)."""

    def __init__(self) -> None:
        self.declared: dict[Path, frozenset[Key]] = {}
        self.unsure: set[Path] = set()

    def update(self, flow_set: FlowSet, gone: Iterable[Path] = ()) -> set[Key]:
        """Take in the files of ``flow_set`` (read again) and the ``gone`` ones;
        return the flows they declared before and no file of the index declares now."""
        before: set[Key] = set()
        for file in flow_set.files:
            path = file.path.absolute()
            before |= self.declared.get(path, frozenset())
            identities = file.identities()
            known = frozenset(key for key in identities if key is not None)
            if file.unread is not None or file.refused or None in identities:
                # What it declares is not fully known: keep what it declared too.
                self.unsure.add(path)
                known |= self.declared.get(path, frozenset())
            else:
                self.unsure.discard(path)
            self.declared[path] = known
        for path in gone:
            path = path.absolute()
            before |= self.declared.pop(path, frozenset())
            self.unsure.discard(path)
        still = {key for keys in self.declared.values() for key in keys}
        return before - still

    def files(self) -> list[Path]:
        return list(self.declared)
