"""Keep-alive connections moved towards the least busy worker.

A keep-alive connection stays on the worker that accepted it, so a busy worker closes it after
its answer and the client's next request goes to whichever worker accepts the new connection.
The kernel hands a new connection to any worker waiting in ``accept``, and under load every
worker is computing with its event loop free to accept: which one gets it is chance. A worker
that closed every connection whenever it was busy therefore spread the clients at random, and
one worker often had half as many requests again queued as the other.

Here a worker closes a connection only when it has more requests under way (running or queued
for a slot; a lane job's slice, a few tens of milliseconds between requests, does not count)
than its least busy sibling: a client on the busier worker moves, one on the less busy worker
stays. On the plan times of 400 varied route requests (in process), a simulation of 16 clients
on 2 workers that queue first come, first served gives p95 latency 438 ms when every busy
worker closes and 346 ms with this rule (and 310 ms sending each request to the shorter queue,
which the kernel cannot do).

The workers of one ``cargorisk serve`` share their depths through a folder it makes
(``CARGORISK_WORKER_DIR``): each writes its own as 8 bytes in a file of its own (named after its
process id) and holds an exclusive lock on it while it lives; at every answer it reads its
siblings' files. The folder is looked at again at most once a second: a file whose lock can be
taken belongs to a worker that has gone (the lock goes with the process, whatever becomes of
its id) and is removed, and a worker whose own file was removed writes it again. Without the
folder (one worker, uvicorn started otherwise, or a platform without ``fcntl``) a worker has no
siblings and closes when busy, as before.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no shared depths
    fcntl = None  # type: ignore[assignment]

WORKER_DIR_ENV = "CARGORISK_WORKER_DIR"
RESCAN_S = 1.0  # how often the siblings' files are looked for again
WIDTH = 8  # bytes of a depth in its file


class Depths:
    """This worker's depth, published, and its siblings', read (see the module docstring)."""

    def __init__(
        self, folder: str | os.PathLike | None, name: str | None = None, rescan_s: float = RESCAN_S
    ) -> None:
        self.folder = Path(folder) if folder else None
        self.name = name or str(os.getpid())  # this worker's file
        self.rescan_s = rescan_s
        self.own: int | None = None  # the file descriptor of this worker's file, opened on first use
        self.siblings: dict[str, int] = {}  # file name -> file descriptor
        self.scanned = -float("inf")

    @classmethod
    def from_env(cls) -> Depths:
        """The depths of the workers of this server (none shared when the folder is not set)."""
        return cls(os.environ.get(WORKER_DIR_ENV))

    @property
    def shared(self) -> bool:
        """Whether depths are shared (a folder is set, and this platform has ``fcntl``)."""
        return self.folder is not None and fcntl is not None

    def publish(self, depth: int) -> None:
        """Write this worker's depth (nothing when not shared, or when the folder is gone)."""
        if not self.shared:
            return
        with contextlib.suppress(OSError):
            if self.own is None:
                self.own = self.open_own()
            os.pwrite(self.own, depth.to_bytes(WIDTH, "little"), 0)

    def open_own(self) -> int:
        """This worker's file, created and locked (the lock tells siblings it lives)."""
        fd = os.open(self.folder / self.name, os.O_RDWR | os.O_CREAT, 0o600)  # type: ignore[operator]
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise
        return fd

    def least_sibling(self) -> int | None:
        """The depth of the least busy live sibling; None without one."""
        if not self.shared:
            return None
        if time.monotonic() - self.scanned >= self.rescan_s:
            self.rescan()
        found = []
        for name, fd in list(self.siblings.items()):
            try:
                data = os.pread(fd, WIDTH, 0)
            except OSError:
                self.forget(name)
                continue
            if len(data) == WIDTH:
                found.append(int.from_bytes(data, "little"))
        return min(found, default=None)

    def should_close(self, depth: int, busy: bool) -> bool:
        """Whether to close a keep-alive connection after an answer, with ``depth`` requests
        under way here: when a sibling has fewer, or, without siblings, when ``busy``."""
        least = self.least_sibling()
        return busy if least is None else depth > least

    def rescan(self) -> None:
        """Keep the files of live siblings open, remove those of workers that have gone, and
        write this worker's file again if it was removed."""
        self.scanned = time.monotonic()
        if self.own is not None and os.fstat(self.own).st_nlink == 0:
            with contextlib.suppress(OSError):
                os.close(self.own)
            self.own = None
            self.publish(0)  # its depth again at the next change; 0 until then
        try:
            files = [f for f in self.folder.iterdir() if f.name != self.name]  # type: ignore[union-attr]
        except OSError:
            files = []
        for file in files:
            if file.name not in self.siblings:
                with contextlib.suppress(OSError):
                    self.siblings[file.name] = os.open(file, os.O_RDONLY)
        for name in set(self.siblings) - {f.name for f in files}:
            self.forget(name)
        for name, fd in list(self.siblings.items()):
            if not locked(fd):
                self.forget(name)
                with contextlib.suppress(OSError):
                    (self.folder / name).unlink()  # type: ignore[operator]

    def forget(self, name: str) -> None:
        """Close a sibling's file."""
        with contextlib.suppress(OSError):
            os.close(self.siblings.pop(name))

    def close(self) -> None:
        """Close every file and remove this worker's (a worker that stops sharing; files of
        workers that end without it are removed by their siblings)."""
        for name in list(self.siblings):
            self.forget(name)
        if self.own is not None:
            with contextlib.suppress(OSError):
                (self.folder / self.name).unlink()  # type: ignore[operator]
            with contextlib.suppress(OSError):
                os.close(self.own)
            self.own = None


def locked(fd: int) -> bool:
    """Whether another open file holds a lock on the file ``fd`` is open on (its worker lives)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return True  # cannot tell: keep it
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False
