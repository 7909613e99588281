#!/usr/bin/env python3
"""Entry point of the Kestra stand-in container: a start-up line, then the fake server.

Standard library only (it runs with the host's Python in the stand-in image).
Real Kestra writes log lines while its JVM starts; this writes one, so a
start that never gets ready still leaves a log tail to show. Every argument
is handed to the fake (tests/fake_kestra), except:

    --exit-code N          exit at once with code N instead; 137 is what a container
                           killed by the kernel's OOM killer (SIGKILL) leaves. (A real
                           SIGKILL cannot be sent from inside: the entry point is PID 1,
                           which ignores signals it has no handler for.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

FAKE = Path(__file__).resolve().parent.parent / "fake_kestra"  # a package run as a folder


def main(argv: list[str]) -> None:
    print("Kestra stand-in: starting the fake Kestra server", " ".join(argv), flush=True)
    if "--exit-code" in argv:
        code = int(argv[argv.index("--exit-code") + 1])
        print(f"Kestra stand-in: exiting with code {code}", flush=True)
        os._exit(code)
    os.execv(sys.executable, [sys.executable, str(FAKE), *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
