"""A local image for stand-in containers, made without any registry.

No image can be pulled on the development and CI machines, so the stand-in
image is an empty root file system with the few entries a Python interpreter
needs, imported with `docker import`. Containers made from it mount the host's
``/usr`` read-only and run the host's own ``/usr/bin/python3``: the fake Kestra
server and the fake database are standard-library scripts.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import threading

IMAGE = "kitest-standin:1"
HOST_PYTHON = "/usr/bin/python3"

_lock = threading.Lock()


def image_exists(image: str = IMAGE) -> bool:
    found = subprocess.run(
        ["docker", "image", "inspect", image], capture_output=True, check=False, timeout=30
    )
    return found.returncode == 0


def ensure_image(image: str = IMAGE) -> str:
    """Build the stand-in image unless it is already there; returns its name."""
    with _lock:
        if not image_exists(image):
            subprocess.run(
                ["docker", "import", "-", image],
                input=_rootfs_tar(),
                capture_output=True,
                check=True,
                timeout=120,
            )
    return image


def _rootfs_tar() -> bytes:
    """An almost empty root file system: mount points, merged-/usr links, a root user."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in ("usr", "tmp", "etc", "proc", "sys", "dev", "root", "var", "run", "app"):
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        # Debian's merged /usr: /bin, /lib... are links into /usr, which the
        # container gets from the host.
        for link in ("bin", "lib", "lib64", "sbin"):
            info = tarfile.TarInfo(link)
            info.type = tarfile.SYMTYPE
            info.linkname = f"usr/{link}"
            tar.addfile(info)
        for name, text in (
            ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
            ("etc/group", "root:x:0:\n"),
        ):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
