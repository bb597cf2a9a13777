"""One `loyalty serve` per state folder, and a port that is ours before anything says so.

Two processes on one embedded chain state each hold their own copy of the chain in memory and
overwrite each other's blocks; the lock file next to the state refuses the second at once.
The listening socket is bound before the start-up output prints its URLs, so a taken port is
one clear line instead of URLs that never answer."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
from pathlib import Path
from typing import IO

from loyalty.errors import ConfigError
from loyalty.settings import Settings


class StateLock:
    """An advisory lock (flock) on `<chain state>.lock`, released when the process ends, even
    when it is killed: a stale lock file never blocks a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise ConfigError(
                f"another loyalty process (pid {holder}) is running on the chain state in "
                f"{self.path.parent}: stop it first, or start this one in its own folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def lock_state(settings: Settings) -> StateLock | None:
    """Locks the embedded chain's state file; None when there is no local chain state."""
    if not settings.embedded_chain or not settings.chain_state:
        return None
    lock = StateLock(
        Path(settings.chain_state).resolve().with_name(Path(settings.chain_state).name + ".lock")
    )
    lock.acquire()
    return lock


def bind(host: str, port: int) -> socket.socket:
    """The listening socket uvicorn will serve on; ConfigError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is in use (by another loyalty serve?): stop that "
                "process or choose another port with --port or LOYALTY_PORT"
            ) from None
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    with contextlib.suppress(OSError):
        sock.set_inheritable(True)
    return sock
