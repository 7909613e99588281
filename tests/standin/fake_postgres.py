#!/usr/bin/env python3
"""A stand-in for the Postgres container: a TCP listener and its healthcheck.

Standard library only: it runs inside the stand-in image with the host's
Python. It accepts connections on port 5432 (and closes them), which is all
the stack's healthcheck and the `depends_on: service_healthy` gate need.

    fake_postgres.py [--port 5432] [--startup-delay S]      serve
    fake_postgres.py --check [--port 5432]                  healthcheck: exit 0 when serving
    fake_postgres.py --fail-with TEXT [--exit-code N]       print TEXT, exit N (fault injection)
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import time


def serve(port: int, startup_delay: float) -> int:
    print("PostgreSQL stand-in starting", flush=True)
    time.sleep(startup_delay)
    server = socket.create_server(("0.0.0.0", port), reuse_port=False)
    print(f"database system is ready to accept connections (port {port})", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        connection, _ = server.accept()
        connection.close()


def check(port: int) -> int:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return 0
    except OSError as error:
        print(f"not accepting connections: {error}", file=sys.stderr)
        return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--startup-delay", type=float, default=0.0)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--fail-with", default="")
    parser.add_argument("--exit-code", type=int, default=1)
    args = parser.parse_args()
    if args.check:
        return check(args.port)
    if args.fail_with:
        print(args.fail_with, flush=True)
        return args.exit_code
    return serve(args.port, args.startup_delay)


if __name__ == "__main__":
    sys.exit(main())
