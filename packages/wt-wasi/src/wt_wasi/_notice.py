"""A notice on stderr while a compile takes long: once without a terminal, a running
elapsed-time counter on one.

A cache hit loads in milliseconds, a compile of a large module takes seconds to minutes;
which one a ``compile_file`` will be is known only once it ends. So the notice waits
:data:`DELAY` seconds before it says anything: a hit never shows it.
"""

from __future__ import annotations

import sys
import threading
import time

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from types import TracebackType
    from typing import TextIO

__all__ = ["CompileNotice", "DELAY"]

DELAY = 1.0
"""Seconds a compile runs before the notice is shown."""

_TICK = 0.25  # seconds between redraws of the counter on a terminal
_SPINNER = "|/-\\"


class CompileNotice:
    """``with CompileNotice("big.wasm", size, cached=True): runtime.compile_file(...)``:
    after :data:`DELAY` seconds, ``compiling big.wasm (69.1 MB), this may take a while``
    on ``stream`` (stderr), with what later runs will do; on a terminal, followed by a
    spinner and the seconds elapsed, redrawn in place and erased at the end."""

    def __init__(self, label: str, size: int, *, cached: bool, stream: TextIO | None = None,
                 delay: float = DELAY) -> None:
        self._stream = stream if stream is not None else sys.stderr
        later = "later runs use the cache" if cached else "every run compiles again without a cache"
        self._text = f"compiling {label} ({size / 1e6:.1f} MB), this may take a while; {later}"
        self._delay = delay
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = False

    def _tty(self) -> bool:
        try:
            return self._stream.isatty()
        except (AttributeError, ValueError):
            return False

    def _run(self) -> None:
        start = time.monotonic()
        if self._done.wait(self._delay):
            return
        self._shown = True
        if not self._tty():
            self._write(f"wt-wasm: {self._text}\n")
            return
        tick = 0
        while True:
            elapsed = time.monotonic() - start
            self._write(f"\rwt-wasm: {self._text} {_SPINNER[tick % len(_SPINNER)]} {elapsed:.0f} s")
            tick += 1
            if self._done.wait(_TICK):
                self._write("\r\x1b[2K")  # erase the line: the program's own output follows
                return

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not stop the compile
            pass

    @property
    def shown(self) -> bool:
        """Whether the notice was shown (the compile outlasted the delay)."""
        return self._shown

    def __enter__(self) -> CompileNotice:
        self._thread = threading.Thread(target=self._run, name="wt-wasm compile notice", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
