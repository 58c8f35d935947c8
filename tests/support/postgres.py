"""A real PostgreSQL server for the tests: Debian's binaries, a throw-away cluster on 127.0.0.1.

PostgreSQL refuses to run as root, so as root the cluster belongs to the
`postgres` system user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Server:
    port: int
    directory: Path
    user: str

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = "t" + uuid.uuid4().hex[:12]
        self._run(self._binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
        return self.url(name)

    def stop(self) -> None:
        self._run(self._binary("pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, *command: str) -> None:
        run_as(self.user, list(command))

    @staticmethod
    def _binary(name: str) -> str:
        return binary(name)


def binary(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise FileNotFoundError(f"PostgreSQL's {name} not found: run scripts/setup --test")
    return candidates[-1]


def run_as(user: str, command: list[str]) -> None:
    if os.geteuid() == 0 and user != "root":
        command = ["runuser", "-u", user, "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start() -> Server:
    user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    directory = Path(tempfile.mkdtemp(prefix="watchbot-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, user)
    data = directory / "data"
    run_as(user, [binary("initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync"])
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {directory} -F"
    run_as(user, [binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "start"])
    server = Server(port, directory, user)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
