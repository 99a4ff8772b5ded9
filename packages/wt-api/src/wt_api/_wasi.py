"""How an instantiation gets its WASI context: a runtime's :class:`~wt_api.WasiSettings`
(``wt_wasi.WASIConfig``), overlaid by the instance's :class:`~wt_api.ModuleConfig`."""

from __future__ import annotations

import ctypes
import io
import os
import sys
import weakref
from collections.abc import Callable

from wt_ffi import vec as _vec
from wt_ffi import wasi as _wasi

from ._config import ModuleConfig
from ._coroutines import is_coroutine_function
from ._errors import ConfigError, InstantiationError, WtError
from ._failure import error_exception
from ._store import THREAD, WRITER_WASI, Scope, Store, writing
from ._wasi_settings import WasiSettings, check_strs, utf8_text

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from ._async_state import AsyncOutput

__all__ = ["configure_wasi", "build_wasi", "merge", "wasi_instance_made", "raise_output_error", "surfacing_caller",
           "has_wasi_settings"]


def merge(base: WasiSettings | None, config: ModuleConfig) -> WasiSettings:
    """``base`` (None: nothing) overlaid by ``config``: the settings of one instance."""
    base = base or WasiSettings()
    args = tuple(sys.argv) if base.inherit_args else base.args
    if config.args is not None:
        args = tuple(config.args)
    # (inherited: a variable that is not UTF-8, which POSIX allows, is left out: WASI's are)
    env: dict[str, str] = ({k: v for k, v in os.environ.items() if utf8_text(k) and utf8_text(v)}
                           if base.inherit_env else {})
    env.update(dict(base.env))
    env.update(dict(config.env))
    stdio: dict[str, object] = {}
    for stream in ("stdin", "stdout", "stderr"):
        mine = getattr(config, stream)
        theirs = getattr(base, stream)
        stdio[stream] = mine if mine is not None else theirs
        stdio[f"inherit_{stream}"] = mine is None and theirs is None and bool(getattr(base, f"inherit_{stream}"))
    return WasiSettings(args=args, env=tuple(env.items()), preopens=base.preopens + config.preopens,
                        **stdio)  # type: ignore[arg-type]


def _writer(target: object, name: str) -> Callable[[bytes], object]:
    """A function giving ``target`` (a binary writer, a text stream with a binary buffer
    underneath, or a callable) each chunk of the guest's bytes, whole."""
    if isinstance(target, io.TextIOBase):
        buffer = getattr(target, "buffer", None)
        put = getattr(buffer, "write", None)
        if put is None:
            raise ConfigError(f"{name} receives the guest's bytes: {type(target).__name__} is a text stream "
                              "with no binary buffer; use io.BytesIO, a file opened 'wb' or a callable")
        flush = target.flush

        def write_through(data: bytes) -> None:
            flush()  # what Python wrote to the text layer first comes out first
            put(data)

        return write_through
    write = getattr(target, "write", None)
    if write is None:
        if callable(target):
            return target
        raise ConfigError(f"{name} must be a binary writer (with write(bytes)) or a callable, "
                          f"not {type(target).__name__}")
    if isinstance(target, io.RawIOBase):
        raw_write = write

        def write_all(data: bytes) -> None:
            while data:  # an unbuffered file or pipe may take part of a chunk
                n = raw_write(data)
                if not n:  # None: a non-blocking file that would block; 0: no progress
                    raise BlockingIOError(f"the {name} writer took none of the guest's bytes")
                if type(n) is not int or not 0 < n <= len(data):
                    raise OSError(f"the {name} writer's write() returned {n!r} for {len(data)} bytes: "
                                  "a raw writer returns how many of them it wrote")
                data = data[n:]

        return write_all
    return write  # type: ignore[no-any-return]


def _marked(write: Callable[[bytes], object]) -> Callable[[bytes], object]:
    """``write``, with its thread marked as a guest output writer while it runs (see
    ``_store.writing``)."""
    def write_marked(data: bytes) -> object:
        with writing():
            return write(data)

    return write_marked


class _OutputSink:
    """Hands the guest's output bytes, exactly and in order, to a Python writer. What the
    writer raises fails the guest's write (an I/O error for the guest) and is kept in
    ``errors``, which :func:`configure_wasi` points at the store's ``output_errors``."""

    def __init__(self, target: object, name: str) -> None:
        self.errors: list[BaseException] = []
        self.queue: AsyncOutput | None = None
        if is_coroutine_function(target) or is_coroutine_function(getattr(target, "write", None)):
            from ._async_state import AsyncOutput, coroutine_writer  # (coroutine writers only: start-up)

            self.queue = AsyncOutput(coroutine_writer(target), name)  # type: ignore[arg-type]
            self.callback = _wasi.new_output_callback(self.queue.on_write, self._failed)
            return
        self.callback = _wasi.new_output_callback(_marked(_writer(target, name)), self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.errors.append(exc)


def _c_strings(items: list[str], what: str) -> ctypes.Array[ctypes.c_char_p]:
    encoded = [str.encode(item, "utf-8") for item in check_strs(tuple(items), what)]
    return (ctypes.c_char_p * max(len(encoded), 1))(*encoded)


def _check_stdin_path(path: str) -> None:
    """Refuse a FIFO or a socket as the guest's stdin file: wasmtime opens it inside C, where
    a FIFO without a writer blocks for ever and no signal handler (Ctrl-C) can run."""
    import stat  # (stdin from a path only)

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise ConfigError(f"cannot open {path!r} as the guest's stdin: {exc.strerror}") from None
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise ConfigError(f"the guest's stdin {path!r} is a FIFO or a socket, which wasmtime would open without "
                          "a way to stop it: read it in Python and pass the bytes (with_stdin(data)), or pass a "
                          "regular file")


def _stdin_bytes(source: object) -> bytes | str:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, io.TextIOBase):  # e.g. sys.stdin: read the bytes underneath
        source = getattr(source, "buffer", source)
    read = getattr(source, "read", None)
    if read is None:
        raise ConfigError(f"stdin takes bytes, a binary file object or a path, not {type(source).__name__}")
    data = read()
    if isinstance(data, str):
        raise ConfigError("stdin must be a binary file object (open it with 'rb')")
    return bytes(data)


def build_wasi(base: WasiSettings | None, config: ModuleConfig) -> tuple[ctypes._Pointer[_wasi.wasi_config_t], list[object]]:
    """A new ``wasi_config_t`` for ``base`` overlaid by ``config``, and what must stay alive
    with the store (the output callbacks). Raises ConfigError for invalid settings."""
    settings = merge(base, config)
    keep: list[object] = []
    for host, guest, _ in settings.preopens:
        if not os.path.isdir(host):
            raise ConfigError(f"the host directory {host!r} to preopen as {guest!r} does not exist")
    ptr = _wasi.wasi_config_new()
    try:
        argv = _c_strings(list(settings.args), "arguments")
        if not _wasi.wasi_config_set_argv(ptr, len(settings.args), argv):
            raise ConfigError("invalid WASI arguments")
        names = _c_strings([k for k, _ in settings.env], "environment names")
        values = _c_strings([v for _, v in settings.env], "environment values")
        if not _wasi.wasi_config_set_env(ptr, len(settings.env), names, values):
            raise ConfigError("invalid WASI environment")
        if settings.stdin is not None:
            data = _stdin_bytes(settings.stdin)
            if isinstance(data, str):
                _check_stdin_path(data)
                if not _wasi.wasi_config_set_stdin_file(ptr, data.encode()):
                    raise ConfigError(f"cannot open {data!r} as the guest's stdin")
            else:
                vec = _vec.byte_vec_from(data)
                _wasi.wasi_config_set_stdin_bytes(ptr, ctypes.byref(vec))  # consumes the vector
        elif settings.inherit_stdin:
            _wasi.wasi_config_inherit_stdin(ptr)
        for stream in ("stdout", "stderr"):
            target = getattr(settings, stream)
            if target is not None:
                sink = _OutputSink(target, stream)
                keep.append(sink)
                setter = _wasi.wasi_config_set_stdout_custom if stream == "stdout" else _wasi.wasi_config_set_stderr_custom
                setter(ptr, sink.callback, None, _wasi.NO_FINALIZER)
            elif getattr(settings, f"inherit_{stream}"):
                (_wasi.wasi_config_inherit_stdout if stream == "stdout" else _wasi.wasi_config_inherit_stderr)(ptr)
        for host, guest, read_only in settings.preopens:
            if not _wasi.wasi_config_preopen_dir(ptr, os.fsencode(host), guest.encode("utf-8"), not read_only):
                raise ConfigError(f"cannot preopen {host!r} as {guest!r}")
    except BaseException:
        _wasi.wasi_config_delete(ptr)
        raise
    return ptr, keep


def has_wasi_settings(config: ModuleConfig) -> bool:
    """Whether ``config`` sets any of the guest's args, env, stdio or preopens."""
    return (config.args is not None or bool(config.env) or bool(config.preopens)
            or config.stdin is not None or config.stdout is not None or config.stderr is not None)


def configure_wasi(store: Store, wasi: WasiSettings | None, config: ModuleConfig) -> None:
    """Give ``store`` a WASI context from ``wasi`` (a runtime's settings, or None for
    none) overlaid by ``config``.

    A store holds one WASI context. Its first WASI instance sets it (so does one that comes
    after every earlier user closed); an instance joining a store whose context a live
    instance uses (named modules and their importers share the runtime's link store)
    shares that context, and a ``config`` asking for args, env, stdio or preopens of its
    own is then a ConfigError rather than silently ignored."""
    if THREAD.room == -1:
        raise WtError(WRITER_WASI)
    if _used[1]:
        raise InstantiationError(
            "WASI cannot run in this process: it was forked (os.fork, or multiprocessing's 'fork' start method) "
            "from a process that had used WASI, and wasmtime's WASI threads do not survive a fork (a guest's "
            "file or output calls would wait for them forever); use the 'spawn' or 'forkserver' start method, "
            "or fork before using WASI")
    _used[0] = True
    users = store.wasi_users
    if users is not None:
        live = [m for m in users if not getattr(m, "closed", True)]
        if live:
            if has_wasi_settings(config):
                names = ", ".join(repr(getattr(m, "name", None) or "<unnamed>") for m in live)
                raise ConfigError(
                    f"this instance joins the store of module(s) {names}, whose WASI context is already set "
                    "(a store has one; named modules and the modules importing from them share the "
                    "runtime's link store): set args, env, stdio and preopens on the first WASI instance "
                    "of that store or on the runtime's WASIConfig, or instantiate this module without a "
                    "name (and without imports from named modules) to give it a WASI context of its own")
            return
    ptr, keep = build_wasi(wasi, config)
    err = _wasi.wasmtime_context_set_wasi(store.context, ptr)  # consumes ptr
    store.keep.extend(keep)
    if err:
        raise error_exception(err, ConfigError, "invalid WASI configuration")
    store.wasi_users = weakref.WeakSet()
    sinks = [k for k in keep if isinstance(k, _OutputSink)]
    if sinks:
        if store.output_errors is None:
            store.output_errors = []
        for sink in sinks:
            sink.errors = store.output_errors
            if sink.queue is not None:
                sink.queue.attach(store)


def wasi_instance_made(store: Store, module: object) -> None:
    """Record ``module`` as a user of its store's WASI context; if a Python writer raised
    while its start function ran, close it and raise that exception."""
    if store.wasi_users is not None:
        store.wasi_users.add(module)
    if store.output_errors:
        module.close()  # type: ignore[attr-defined]
        raise_output_error(store)


def raise_output_error(store: Store) -> None:
    """Raise the first exception that a Python writer of ``store``'s guest output raised
    since the last check (as itself, with its traceback), forgetting the others."""
    errors = store.output_errors
    if errors:
        exc = errors[0]
        errors.clear()
        raise exc.with_traceback(exc.__traceback__)


def surfacing_caller(scope: Scope, call: Callable[..., list[int]]) -> Callable[..., list[int]]:
    """``call`` that re-raises what a Python writer of the guest's stdout or stderr raised
    during it (the guest saw its write fail); used only for stores with such writers."""
    store = scope.store
    errors = store.output_errors
    assert errors is not None

    def call_surfacing(*args: object) -> list[int]:
        with scope:  # held across the call: another thread's failed write is not ours
            try:
                results = call(*args)
            except BaseException:
                if errors:
                    raise_output_error(store)
                raise
            if errors:
                raise_output_error(store)
            return results

    call_surfacing.__name__ = call_surfacing.__qualname__ = getattr(call, "__name__", "call")
    return call_surfacing


# [0]: this process has made a WASI context; [1]: an ancestor had, before forking this process.
# wasmtime's WASI runs file and output calls on a thread pool started on first use, which a
# forked child lacks: those calls would wait forever (RATIONALE: "Why does a forked child refuse WASI ...").
_used = [False, False]


def _after_fork_in_child() -> None:
    _used[1] = _used[1] or _used[0]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
