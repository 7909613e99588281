"""Writing files in a project so that nothing half-written or outside it can result.

- ``replace_file``: the new bytes go to a temporary file in the same folder,
  then ``os.replace`` puts it in place in one step; a reader (an editor, a
  watcher, git) sees the old file or the new one, never a mix.
- ``create_file``: the same, but never over an existing file (``os.link`` fails
  when the name is taken, in one step: no check-then-write race).
- ``ProjectPaths.target``: where a write to a path would land, following
  symbolic links, and refused when that is outside the project: a file of the
  project that is a link to ``~/.bashrc`` is never written through.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from kestra_init.services.real_paths import RealPaths


class OutsideProject(Exception):
    """The path, or a link on the way to it, leads out of the project."""

    def __init__(self, path: Path, target: Path) -> None:
        super().__init__(f"{path} leads to {target}, outside the project")
        self.path = path
        self.target = target


class ProjectPaths:
    """Where writes land, checked against the project's root; folders resolved once each
    (a pull checks 1,500 files in a handful of folders)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._folders: dict[Path, Path] = {}
        self._real = RealPaths()

    def target(self, path: Path) -> Path:
        """The real file a write to ``path`` changes; ``OutsideProject`` if it is not in
        the project. A link inside the project to another of its files is followed (the
        link stays a link, its target gets the new content)."""
        if path.is_symlink():
            return self._inside(path, path.resolve())
        return self.folder(path.parent) / path.name

    def folder(self, folder: Path) -> Path:
        """The real folder that new files in ``folder`` land in (links followed);
        ``OutsideProject`` if it is not in the project."""
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = self._inside(folder, Path(self._real.folder(folder)))
        return real

    def _inside(self, path: Path, target: Path) -> Path:
        if target != self.root and not target.is_relative_to(self.root):
            raise OutsideProject(path, target)
        return target


def replace_file(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` in one step (temp file in the same folder, then rename).

    The file keeps its permission bits; a new one gets the usual ones (umask).
    """
    mode: int | None
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    temporary = _write_temporary(path, data)
    try:
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise


def create_file(path: Path, data: bytes) -> bool:
    """Write a new file at ``path``, whole; False (and nothing written) when it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _write_temporary(path, data)
    try:
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError as error:
            # Some file systems have no hard links: an exclusive create is the
            # next best (the content then appears in one write, not one rename).
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            try:
                with open(path, "xb") as handle:
                    handle.write(data)
            except FileExistsError:
                return False
        return True
    finally:
        _remove(temporary)


def _write_temporary(path: Path, data: bytes) -> str:
    """A hidden file next to ``path`` holding ``data``, with the mode a new file gets.

    Created with mode 0o666, which the kernel narrows by the umask (``mkstemp``
    would make it 0o600, and reading the umask means changing it, which is not
    safe while other threads create files).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _attempt in range(100):
        name = str(path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp"))
        try:
            handle = os.open(name, flags, 0o666)
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(f"no free temporary name next to {path}")
    try:
        # No fsync: the rename is what makes the write all-or-nothing for every
        # reader (editor, watcher, git); fsync would only add power-cut durability,
        # at a millisecond a file (a pull of 2,000 flows writes 1,500), and git itself
        # does not fsync by default either.
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    except BaseException:
        _remove(name)
        raise
    return name


def _remove(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)
