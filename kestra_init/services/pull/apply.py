"""Writing what `pull` planned: each file in one step, inside the project, never blindly.

- a flow that is behind gets the server's source in place of its document
  (``local.replaced``): if the file changed since it was read, it is not written;
- a flow only on the server gets a new file named from its id, in the folder
  most of its namespace's flows are in, never over an existing file;
- a namespace file is replaced (behind) or created (only on the server);
- with ``--keep-both`` a conflict's server version goes beside the file, under
  a name that is not a flow file's (``FILE.server``), or a hidden one for a
  namespace file (``.FILE.server``), so that `sync` and `validate` leave it
  alone until it is merged and deleted.

Every write is atomic (``atomic_files``) and lands inside the project: a path
that is, or goes through, a link out of the project is refused at plan time.
"""

from __future__ import annotations

from pathlib import Path

from kestra_init.services.atomic_files import (
    OutsideProject,
    ProjectPaths,
    create_file,
    replace_file,
)
from kestra_init.services.pull.local import LocalIndex, new_file_names, new_file_text, replaced
from kestra_init.services.pull.model import PullAction, PullItem, PullOutcome

BESIDE_SUFFIX = ".server"


def refuse_outside(items: list[PullItem], paths: ProjectPaths, index: LocalIndex) -> None:
    """Refuse, before anything is written, each of ``items`` that would be written out
    of the project (a file, or a folder on the way, that links out of it)."""
    for item in items:
        if item.kind == "flow" and item.action is PullAction.CREATE:
            first_name = next(new_file_names(item.name, item.namespace))
            item.path = index.folder_for(item.namespace) / first_name
            where = item.path.parent
        else:
            assert item.path is not None
            where = item.path
        try:
            if item.kind == "flow" and item.action is PullAction.CREATE:
                paths.folder(where)
            else:
                paths.target(where)
        except OutsideProject as outside:
            item.action = PullAction.REFUSED
            item.message = (
                f"not written: {outside.path} leads to {outside.target}, outside the "
                "project (pull never writes through a link out of it)"
            )


def write(item: PullItem, index: LocalIndex, paths: ProjectPaths, *, beside: bool = False) -> None:
    """Write one item (the server's version over the file, or beside it); sets its outcome."""
    try:
        if beside:
            item.beside = _beside(item, paths)
        elif item.kind == "flow":
            _write_flow(item, index, paths)
        else:
            _write_file(item, paths)
    except OutsideProject as outside:
        item.outcome = PullOutcome.FAILED
        item.message = f"not written: {outside.path} now leads out of the project"
    except OSError as error:
        item.outcome = PullOutcome.FAILED
        item.message = f"not written: {error.strerror or error}"


def _write_flow(item: PullItem, index: LocalIndex, paths: ProjectPaths) -> None:
    source = item.server.decode("utf-8")
    if item.action is PullAction.CREATE:
        folder = index.folder_for(item.namespace)
        for name in new_file_names(item.name, item.namespace):
            path = folder / name
            paths.folder(folder)
            if create_file(path, new_file_text(source)):
                item.path = path
                item.outcome = PullOutcome.WRITTEN
                return
        item.outcome = PullOutcome.FAILED
        item.message = f"not written: every name tried for it in {folder} is taken"
        return
    (declaration,) = index.declared_in((item.namespace, item.name))
    data = replaced(declaration, source)
    if data is None:
        item.outcome = PullOutcome.FAILED
        item.message = (
            "not written: the file changed since it was read, or the server's source would "
            "not read back as this one flow there; pull again, or --keep-both"
        )
        return
    replace_file(paths.target(declaration.path), data)
    _written(item)


def _written(item: PullItem) -> None:
    if item.action is PullAction.UPDATE or item.action is PullAction.CREATE:
        item.outcome = PullOutcome.WRITTEN
    else:
        item.outcome = PullOutcome.FORCED
        item.message = "the server's version, written over the changes made here (--force)"


def _write_file(item: PullItem, paths: ProjectPaths) -> None:
    assert item.path is not None
    if item.action is PullAction.CREATE:
        paths.folder(item.path.parent)
        if not create_file(item.path, item.server):
            item.outcome = PullOutcome.FAILED
            item.message = "not written: a file of that name appeared meanwhile"
            return
        item.outcome = PullOutcome.WRITTEN
        return
    target = paths.target(item.path)
    if target.read_bytes() != item.local:
        item.outcome = PullOutcome.FAILED
        item.message = "not written: the file changed since it was read; pull again"
        return
    replace_file(target, item.server)
    _written(item)


def _beside(item: PullItem, paths: ProjectPaths) -> Path:
    """The server's version next to the file, under a name that is free."""
    assert item.path is not None
    if item.kind == "flow":
        data = new_file_text(item.server.decode("utf-8"))
        base = item.path.with_name(item.path.name + BESIDE_SUFFIX)
    else:
        # Hidden: every visible file under namespace-files/ would be uploaded by sync.
        data = item.server
        base = item.path.with_name("." + item.path.name + BESIDE_SUFFIX)
    for number in range(1, 100):
        path = base if number == 1 else base.with_name(f"{base.name}-{number}")
        paths.folder(path.parent)
        if create_file(path, data):
            item.outcome = PullOutcome.KEPT_BOTH
            item.message = f"the server's version is in {path.name}: merge it into the file"
            return path
    raise OSError(f"every name tried beside {item.path} is taken")
