"""Coroutine writers of a WASI guest's stdout and stderr (``with_stdout(async_fn)``).

wasmtime hands the guest's output to the writer on a thread of its own while the
guest's call waits for it, so a coroutine cannot be awaited there (the event loop is
the thread waiting). Each chunk is queued instead, and the guest's write succeeds; the
``call_async`` that runs the guest awaits the writer with each chunk, in order, in its
own task, after each poll and before it returns (:func:`drain`): so when
``await function.call_async(...)`` returns, all the output has been written. What the
writer raises comes out of that call (the chunks after it are dropped), as a sync
writer's exception does. A guest run by a plain call (or an instantiation's start
function) cannot await: its writes fail, and the call raises a :class:`~wt_api.WtError`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable

from ._async_state import ASYNC, AsyncState, state_of
from ._coroutines import is_coroutine_function
from ._errors import WtError
from ._store import Store

__all__ = ["AsyncOutput", "coroutine_writer", "drain"]


def coroutine_writer(target: object) -> Callable[[bytes], Awaitable[object]] | None:
    """The coroutine function that writes to ``target`` (itself, or its ``write``), or
    None for a sync writer."""
    if is_coroutine_function(target):
        return target  # type: ignore[return-value]
    write = getattr(target, "write", None)
    if write is not None and is_coroutine_function(write):
        return write  # type: ignore[no-any-return]
    return None


class AsyncOutput:
    """The queue between wasmtime's writer thread and the ``call_async`` awaiting."""

    def __init__(self, write: Callable[[bytes], Awaitable[object]], name: str) -> None:
        self.write = write
        self.name = name
        self.chunks: deque[bytes] = deque()
        self.store: Store | None = None

    def attach(self, store: Store) -> None:
        """Serve ``store`` (its ``call_async`` drains this queue)."""
        self.store = store
        state_of(store).writers.append(self)

    def on_write(self, data: bytes) -> None:
        """A chunk of the guest's output (on wasmtime's writer thread, while the store's
        innermost call waits)."""
        aio = self.store.aio if self.store is not None else None
        calls = aio.calls if isinstance(aio, AsyncState) else None
        if not calls or calls[-1].mode != ASYNC:
            raise WtError(f"the guest's {self.name} writer is a coroutine function, which a plain call cannot "
                          "await: run the guest with `await function.call_async(...)`")
        self.chunks.append(data)


async def drain(aio: AsyncState, store: Store) -> None:
    """Await each queued chunk's write, in order (in the task running the call); what a
    writer raises goes to ``store.output_errors``, and its queue is emptied."""
    for out in aio.writers:
        while out.chunks:
            data = out.chunks.popleft()
            try:
                await out.write(data)
            except Exception as exc:  # noqa: BLE001 - it comes out of the call, as a sync writer's does
                out.chunks.clear()
                if store.output_errors is not None:
                    store.output_errors.append(exc)
