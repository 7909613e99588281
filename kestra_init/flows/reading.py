"""Reading a flow file: only regular files, never more than a flow could be, as UTF-8.

Every reader of flow files goes through ``read_file_text`` (validate, sync's
pipeline, up), so none of them can hang on a FIFO, fill the memory from a
device, or skip a dangling link without saying so.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kestra_init.flows.file_report import FileLint
from kestra_init.flows.marks import Mark
from kestra_init.flows.rules import Rule
from kestra_init.flows.rules import files as file_rules

# Flows are kilobytes; a file this big is not one, and reading it would be slow.
MAX_FILE_BYTES = 5 * 1024 * 1024


def read_file_text(path: Path) -> str | FileLint:
    """The file's text, or a report with the finding that says why it cannot be read.

    Only regular files are read, and never more than ``MAX_FILE_BYTES``: the size
    a file reports is not trusted (a pipe or a device reports 0, and `/dev/zero`
    never ends), and a FIFO is opened without blocking so that it cannot hang.
    """
    report = FileLint(path)
    try:
        data = _read_bounded(path)
    except _NotRegular as refused:
        report.add(refused.rule, Mark(0, 0), refused.message)
        return report
    except OSError as error:
        report.add(
            file_rules.FILE_UNREADABLE,
            Mark(0, 0),
            f"The file cannot be read ({error.strerror or error}). Check that it exists "
            "and that you may read it.",
        )
        return report
    if len(data) > MAX_FILE_BYTES:
        report.add(
            file_rules.FILE_TOO_LARGE,
            Mark(0, 0),
            f"The file is over {MAX_FILE_BYTES // 1024 // 1024} MB, and kestra-init does not "
            "read more (a flow is rarely over 100 kB). If it is a flow, split it; if it is "
            "data, move it out of the flows folder.",
        )
        return report
    return decode_text(path, data)


class _NotRegular(Exception):
    def __init__(self, rule: Rule, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


# O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def _read_bounded(path: Path) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of a regular file; raises for anything else."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        if path.is_symlink():
            raise _NotRegular(
                file_rules.FILE_LINK_DANGLING,
                f"This is a link to {os.readlink(path)}, which does not exist, so the flow it "
                "stood for cannot be read. Point the link at the file, or delete it.",
            ) from None
        raise
    except OSError:
        # A folder without read permission cannot even be opened (and Windows
        # opens no folder at all): say that it is a folder, not a file.
        if path.is_dir():
            raise _not_regular_folder(path) from None
        raise
    try:
        # The type of what was opened, not of what the name pointed at a moment before.
        status = os.fstat(descriptor)
    except OSError:
        os.close(descriptor)
        raise
    mode = status.st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        if stat.S_ISDIR(mode):
            raise _not_regular_folder(path)
        raise _NotRegular(
            file_rules.FILE_NOT_REGULAR,
            f"This is {_kind(mode)}, not a regular file, so kestra-init does not read it "
            "(reading could wait forever or never end). Give the path of a flow file, or "
            "move it out of the flows folder.",
        )
    try:
        return _read_at_most(descriptor, min(status.st_size, MAX_FILE_BYTES) + 1)
    finally:
        os.close(descriptor)


def _read_at_most(descriptor: int, first: int) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes; the first read sized from fstat.

    Plain reads: a buffered ``read(MAX_FILE_BYTES + 1)`` would set aside 5 MB for
    every small flow file, which a folder of 2,000 pays for. Reading goes on past
    the size fstat gave (a file that grows, a file system that reports 0), up to
    the limit.
    """
    limit = MAX_FILE_BYTES + 1
    data = b""
    wanted = first
    while len(data) < limit:
        asked = min(wanted, limit - len(data))
        chunk = os.read(descriptor, asked)
        if not chunk:
            break
        data += chunk
        if wanted == first > 1 and len(chunk) < asked:
            # All fstat announced, and less than asked: a regular file's end. One
            # read (and syscall) per file fewer; a size of 0 (as some file systems
            # report) still reads on.
            break
        wanted = 1 << 20
    return data


def _not_regular_folder(path: Path) -> _NotRegular:
    try:
        with os.scandir(path):
            pass
    except OSError as error:
        return _NotRegular(
            file_rules.FOLDER_UNREADABLE,
            f"This folder cannot be searched for flows ({error.strerror or error}), so the "
            "flows in it are not checked. Give yourself read and search permission on it "
            "(`chmod u+rx`), or move it out of the flows folder.",
        )
    return _NotRegular(
        file_rules.FILE_NOT_REGULAR,
        "This is a folder, not a flow file: give the folder itself to `validate` and it is "
        "searched for .yml and .yaml files.",
    )


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def decode_text(path: Path, data: bytes) -> str | FileLint:
    """UTF-8 text (a byte-order mark dropped), or a report saying why it is not."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        report = FileLint(path)
        report.add(
            file_rules.FILE_UNREADABLE,
            Mark(0, 0),
            f"The file is not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}). Kestra reads flows as UTF-8: save it with that encoding, or move "
            "a binary file out of the flows folder.",
        )
        return report
    if "\x00" in text:
        report = FileLint(path)
        report.add(
            file_rules.FILE_UNREADABLE,
            Mark(0, 0),
            "The file holds binary data (NUL bytes), not YAML text: move it out of the "
            "flows folder, or restore the flow from version control.",
        )
        return report
    return text
