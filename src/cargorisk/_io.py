"""Atomic file writes and checksums: no half-written file is ever left at its final path."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cargorisk.errors import InputError

# the file system refusing a write (disk full, quota, too large, read-only, I/O error): one line
WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; move it onto ``dest`` only if the block succeeds.

    The temporary file lives in the same folder (same file system), so the final
    :func:`os.replace` is atomic. On any exception, including ``KeyboardInterrupt``, the
    temporary file is removed and ``dest`` keeps its previous content (or stays absent).
    """
    dest = Path(dest)
    check_writable(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(dest)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.{os.getpid()}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        msg = f"cannot write {dest}: {exc.strerror or exc}; choose a writable folder"
        raise InputError(msg) from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o666 & ~current_umask())  # mkstemp creates 0600; final files get normal modes
    try:
        yield tmp
        tmp.replace(dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno not in WRITE_ERRORS:  # not the file system's (e.g. a download that failed)
            raise
        msg = f"cannot write {dest}: {exc.strerror or exc}; free some space or choose another folder"
        raise InputError(msg) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_writable(dest: Path) -> None:
    """Refuse to replace anything but a regular file: a directory, a device (``/dev/full``),
    a FIFO or a socket at ``dest`` is a one-line error, never swapped for a file."""
    if dest.exists() and not dest.is_file():
        kind = "a directory" if dest.is_dir() else "not a regular file (a device, FIFO or socket)"
        msg = f"cannot write {dest}: it is {kind}; give the path of a file to create or replace"
        raise InputError(msg)


def check_readable(path: Path, what: str, max_bytes: int) -> Path:
    """A file a user points at: it exists, is a regular file (not a FIFO that would block or a
    device that never ends) and is at most ``max_bytes`` long; else a one-line error."""
    path = Path(path)
    if not path.exists():
        msg = f"{what} {path} does not exist"
        raise InputError(msg)
    if not path.is_file():
        msg = f"{what} {path} is not a regular file; give the path of a saved file"
        raise InputError(msg)
    size = path.stat().st_size
    if size > max_bytes:
        msg = f"{what} {path} is {size / 2**20:,.1f} MB, more than the {max_bytes / 2**20:,.0f} MB limit"
        raise InputError(msg)
    return path


def remove_stale_temps(dest: Path) -> None:
    """Delete temp files of ``dest`` left by writers that were killed (their PID is gone).

    Temps of live writers (e.g. a concurrent process) are left alone.
    """
    for tmp in dest.parent.glob(f".{glob_escape(dest.name)}.*.tmp"):
        pid = tmp.name[len(dest.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            tmp.unlink(missing_ok=True)


def glob_escape(name: str) -> str:
    """A file name with glob metacharacters escaped."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def process_alive(pid: int) -> bool:
    """Whether a process with this PID runs on this machine (a zombie, exited and waiting to
    be reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError, IndexError):
        return stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    return True


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
