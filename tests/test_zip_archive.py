"""Reading the zip archives a server exports: the same entries as zipfile, or a clear refusal."""

from __future__ import annotations

import io
import zipfile

import pytest

from kestra_init.errors import UnexpectedAnswer
from kestra_init.exit_codes import ExitCode
from kestra_init.kestra.zip_archive import zip_entries
from tests.test_client import connect, flow

ENTRIES = {
    "demo-a.yml": b"id: a\nnamespace: demo\n",
    "demo-\u00e9t\u00e9.yml": "id: \u00e9t\u00e9\n# caf\u00e9\n".encode(),
    "scripts/empty.py": b"",
    "scripts/big.py": b"print('x')\n" * 5000,
}


def archive(method: int, *, streamed: bool = False, prefix: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    buffer.write(prefix)
    # A stream that cannot seek makes zipfile write data descriptors after each
    # entry (sizes 0 in the local header), as a server streaming its answer does.
    target: io.IOBase = _Unseekable(buffer) if streamed else buffer
    with zipfile.ZipFile(target, "w", method) as made:
        made.writestr("scripts/", b"")  # a folder entry: not a file
        for name, content in ENTRIES.items():
            if streamed:
                with made.open(name, "w") as handle:
                    handle.write(content)
            else:
                made.writestr(name, content)
    return buffer.getvalue()


class _Unseekable(io.RawIOBase):
    def __init__(self, inner: io.BytesIO) -> None:
        self.inner = inner

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        return self.inner.write(data)

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        raise OSError("not seekable")

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("prefix", [b"", b"junk before the archive"])
def test_the_same_files_as_zipfile_reads(method: int, streamed: bool, prefix: bytes) -> None:
    data = archive(method, streamed=streamed, prefix=prefix)
    with zipfile.ZipFile(io.BytesIO(data)) as reference:
        expected = [(n, reference.read(n)) for n in reference.namelist() if not n.endswith("/")]
    assert zip_entries(data) == expected
    assert dict(zip_entries(data)) == ENTRIES


def test_other_compression_methods_are_read_by_zipfile() -> None:
    data = archive(zipfile.ZIP_BZIP2)
    assert dict(zip_entries(data)) == ENTRIES


@pytest.mark.parametrize(
    "damage",
    [
        "a byte of deflated data changed",
        "the archive cut short",
        "a stored byte changed",
        "not a zip at all",
        "a local header overwritten",
    ],
)
def test_a_damaged_archive_is_a_bad_zip_never_another_error(damage: str) -> None:
    method = zipfile.ZIP_STORED if "stored" in damage else zipfile.ZIP_DEFLATED
    data = bytearray(archive(method))
    start = data.index(b"print") if "stored" in damage else None
    if damage == "a byte of deflated data changed":
        header = data.index(b"scripts/big.py") + len("scripts/big.py")
        data[header + 10] ^= 0xFF
    elif damage == "the archive cut short":
        data = data[: len(data) // 2] + data[-200:]
    elif start is not None:
        data[start] ^= 0x01
    elif damage == "not a zip at all":
        data = bytearray(b"<html>login</html>")
    else:
        first = data.index(b"PK\x03\x04", 10)
        data[first : first + 4] = b"XXXX"
    with pytest.raises(zipfile.BadZipFile):
        zip_entries(bytes(data))


def test_a_damaged_export_is_exit_4_with_the_server_named(fake_kestra) -> None:
    fake_kestra.put_flow(flow("a"))
    good = archive(zipfile.ZIP_DEFLATED)
    damaged = bytearray(good)
    damaged[damaged.index(b"scripts/big.py") + len("scripts/big.py") + 10] ^= 0xFF
    fake_kestra.fail(r"/flows/export/by-query$", status=200, body=bytes(damaged))
    fake_kestra.fail(r"/namespaces/demo/files/export$", status=200, body=bytes(damaged))
    with connect(fake_kestra) as client:
        with pytest.raises(UnexpectedAnswer) as flows_refused:
            client.flow_sources("demo")
        with pytest.raises(UnexpectedAnswer) as files_refused:
            client.namespace_files("demo")
    for refused in (flows_refused.value, files_refused.value):
        assert refused.exit_code == ExitCode.KESTRA
        assert fake_kestra.url in refused.what
        assert "not the zip archive Kestra sends" in refused.why
