"""An inter-process lock on a file, so that concurrent installs do not collide."""

from __future__ import annotations

import errno
import os
import sys
import time
from pathlib import Path
from types import TracebackType

from .errors import LoaderError

__all__ = ["FileLock"]


class FileLock:
    """Exclusive lock on ``path`` across processes (``fcntl`` on POSIX, ``msvcrt`` on
    Windows), for ``with``; after ``timeout`` seconds of waiting, :class:`LoaderError`.
    The lock file stays (removing it would race with a process about to lock it)."""

    def __init__(self, path: Path, timeout: float = 1800.0) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        try:
            while not _try_lock(fd):
                if time.monotonic() > deadline:
                    raise LoaderError(f"could not lock {self.path} within {self.timeout:.0f} s: another "
                                      "process is installing the library (or hangs); retry later")
                time.sleep(0.05)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                _unlock(fd)
            finally:
                os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
