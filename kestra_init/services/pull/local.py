"""The project's side of a pull: which file declares each flow, and the new text of a file.

Every flow file is read (reading is not uploading, so links out of the
project and git-ignored files are read too: they may declare a server flow,
and pull must know it before it makes a new file for that flow). A file that
cannot be read stops the pull before anything is written: a flow it declares
would look like one that has no file, and be written a second time.

A file gets the server's source in place of the flow's document, byte for
byte; the blank lines and spaces around the document (which Kestra trims off)
stay as the file had them, as do the other documents of the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kestra_init.errors import EnvironmentProblem
from kestra_init.flows.discover import SourceDocument, split_documents
from kestra_init.flows.file_report import UNREAD_RULES
from kestra_init.flows.source_text import comparable, identify, trim
from kestra_init.services.local_flows import FlowFile, Key, read_flow_set

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Declaration:
    """A document of a file that declares a flow."""

    file: FlowFile
    document: SourceDocument

    @property
    def path(self) -> Path:
        return self.file.path


@dataclass
class LocalIndex:
    flows_dir: Path
    by_key: dict[Key, list[Declaration]] = field(default_factory=dict)
    # Files with a document that says of no flow which it is (broken YAML, no id):
    # they may declare a server flow, so no new file is made while they are there.
    unidentified: list[Path] = field(default_factory=list)
    _folders: dict[str, Path] = field(default_factory=dict, repr=False)  # folder_for's

    def namespaces(self) -> set[str]:
        return {key[0] for key in self.by_key}

    def declared_in(self, key: Key) -> list[Declaration]:
        return self.by_key.get(key, [])

    def folder_for(self, namespace: str) -> Path:
        """Where a new flow of ``namespace`` goes: the folder most of its flows are in."""
        if not self._folders:
            counts: dict[str, Counter[Path]] = {}
            for key, found in self.by_key.items():
                counts.setdefault(key[0], Counter()).update(d.path.parent for d in found)
            self._folders = {ns: c.most_common(1)[0][0] for ns, c in counts.items()}
        return self._folders.get(namespace, self.flows_dir)

    def flows_in(self, path: Path) -> list[Key]:
        return [key for key, found in self.by_key.items() for d in found if d.path == path]


def read_local(flows_dir: Path) -> LocalIndex:
    """Every flow file under ``flows_dir``; ``EnvironmentProblem`` when one cannot be read."""
    index = LocalIndex(flows_dir)
    if not flows_dir.exists():
        return index
    flow_set = read_flow_set([flows_dir])
    unread = [file for file in flow_set.files if file.unread is not None]
    if unread:
        first = unread[0]
        findings = first.unread.diagnostics if first.unread else []
        why = findings[0].message if findings else ""
        more = f" (and {len(unread) - 1} more)" if len(unread) > 1 else ""
        raise EnvironmentProblem(
            f"{first.path} cannot be read{more}: nothing was pulled",
            f"{why} Pull must know which flow every file declares before it writes one: "
            "a flow in a file it cannot read would be written a second time.",
            "fix the permissions (e.g. `chmod -R u+rX flows`) or move the file out of the "
            "flows folder, then pull again",
        )
    flow_set.parse([file for file in flow_set.files if None in file.quick], checks=False)
    for file in flow_set.files:
        # YAML that does not parse may declare any flow; YAML that parses without an
        # id and a namespace (a compose file, notes) declares none.
        unparsed = file.lint is not None and any(
            d.rule in UNREAD_RULES for d in file.lint.diagnostics
        )
        for document, key in zip(file.documents, file.identities(), strict=True):
            if key is not None:
                index.by_key.setdefault(key, []).append(Declaration(file, document))
            elif unparsed and file.path not in index.unidentified:
                index.unidentified.append(file.path)
    return index


def replaced(declaration: Declaration, source: str) -> bytes | None:
    """The file's bytes with the flow's document replaced by ``source``; None when the
    file changed since it was read, or the result would not read back as that flow."""
    path = declaration.path
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    bom = BOM if raw.startswith(BOM) else b""
    try:
        text = raw[len(bom) :].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text != declaration.file.text:
        return None  # changed since it was read (saved meanwhile): never merge blindly
    document = declaration.document
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: document.first_line - 1])
    if not text.startswith(document.text, offset):
        return None  # a document that starts on its own `---` line
    body = document.text
    core = trim(body)
    lead = body[: body.find(core)] if core else body
    trail = body[len(lead) + len(core) :]
    new_text = text[:offset] + lead + trim(source) + trail + text[offset + len(body) :]
    if not _reads_back(path, text, new_text, document.index, source):
        return None
    return bom + new_text.encode("utf-8")


def new_file_text(source: str) -> bytes:
    """A new file for a server flow: its source, ending with a newline."""
    return (source if source.endswith("\n") else source + "\n").encode("utf-8")


def new_file_names(flow_id: str, namespace: str) -> Iterator[str]:
    """The names to try, in order, for a new file of a flow (never over an existing one)."""
    yield f"{flow_id}.yml"
    yield f"{namespace}.{flow_id}.yml"
    for number in range(2, 100):
        yield f"{flow_id}-{number}.yml"


def _reads_back(path: Path, old: str, new: str, position: int, source: str) -> bool:
    """The new text holds the same flows in the same documents, the one as the server has it.

    A source holding a line ``---`` would split the file into two documents, for
    example: then the file is not written.
    """
    before = [d for d in split_documents(path, old) if not d.is_blank]
    after = [d for d in split_documents(path, new) if not d.is_blank]
    if [identify(d.text) for d in before] != [identify(d.text) for d in after]:
        return False
    changed = [d for d in after if d.index == position]
    return len(changed) == 1 and comparable(changed[0].text) == comparable(source)
