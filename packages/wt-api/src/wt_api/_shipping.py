"""Pickling a :class:`~wt_api.CompiledModule`: what travels to another process, and how it
lands there (RATIONALE: "Why does a pickled module carry its wasm, its configuration and
its compiled code?").

A pickled module is ``restore(payload)``, the payload a dict of plain values:

``format``, ``wt``          this layout's number, and the wt version that wrote it;
``config``                  the runtime's settings (``RuntimeConfig`` fields as (name, value)
                            pairs; the WASI settings and the cache object stay in the sender);
``cache``                   the directory and size bound of the runtime's disk cache, or None;
``wasm``, ``content``       the wasm binary (None for a module loaded from an artifact) and
                            its content digest, which binds the bytes to the rest;
``artifact``, ``sha``,      the compiled code, its SHA-256 tree digest, and the digest of
``engine``                  what decides whether the code runs: wt's version, the engine
                            settings, wasmtime's version, the OS, machine and CPU flags.

With pickle protocol 5 the two buffers go out of band when the pickler takes them (Dask,
Ray): the pickle stream never copies them.

Unpickling finds the process-wide runtime for the configuration (``_landing``), then the
module: one that runtime made lately from the same wasm (a new handle to its code); else
from the runtime's cache (this machine's, by the content digest); else the shipped
artifact, if its engine digest is this engine's, ``WT_PICKLED_CODE`` allows it and its
SHA-256 matches; else by compiling the wasm, whose digest must match. Either way the result
is the same module; only the time differs.
"""

from __future__ import annotations

import os
import pickle

from wt_ffi.records import Record

from ._artifacts import deserialize, serialize_view, to_wasm
from ._cache import CompilationCache
from ._cache_keys import key_of, platform_fingerprint
from ._compiled import FileSource, file_identity
from ._config import RuntimeConfig
from ._digest import tree_sha256
from ._engine import Engine
from ._errors import ClosedError, CompileError, ConfigError
from ._landing import Landing, landing, log
from ._limits import PoolingAllocator, ResourceLimits
from ._runtime import CompiledModule

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["reduce_compiled", "restore", "POLICY_ENV"]

FORMAT = 1
POLICY_ENV = "WT_PICKLED_CODE"
"""``load`` (the default): use a shipped artifact that fits this engine and whose digest
matches; ``compile``: never load compiled code that came in a pickle (compile the wasm, or
find it in this machine's cache)."""
_NOT_SHIPPED = frozenset({"wasi", "compilation_cache"})  # settings that belong to the sender
_KEYS = frozenset({"format", "wt", "config", "cache", "wasm", "content", "artifact", "sha", "engine"})


def _version() -> str:
    from . import __version__  # (the package's version: bound once wt_api is imported)

    return __version__


# -- the sending side ---------------------------------------------------------------
class Shipment(Record):
    """What pickling a module sends, made on its first pickling and kept with it."""

    wasm: bytes | None
    content: bytes | None
    artifact: memoryview | bytes | None
    sha: bytes | None
    engine: bytes | None


_ENGINE_DIGESTS: dict[str, bytes] = {}


def engine_digest(engine: Engine) -> bytes:
    """What decides whether compiled code made by ``engine`` runs in another engine: wt's
    version, the engine settings, wasmtime's version, the OS, machine and CPU flags."""
    digest = _ENGINE_DIGESTS.get(engine.fingerprint)
    if digest is None:
        text = f"wt-engine 1; wt {_version()}; {engine.fingerprint}; {platform_fingerprint()}"
        digest = _ENGINE_DIGESTS[engine.fingerprint] = tree_sha256(text.encode())
    return digest


def _wasm_of(module: CompiledModule) -> bytes | None:
    source = module._source
    if not isinstance(source, FileSource):
        return None if source is None else to_wasm(source)
    try:
        with open(source.path, "rb") as f:
            if file_identity(os.fstat(f.fileno())) != source.identity:
                raise OSError("it changed since it was compiled")
            return to_wasm(f.read())
    except OSError as exc:
        raise pickle.PicklingError(
            f"cannot pickle this CompiledModule: its file {source.path!r} cannot be read as it was when it "
            f"was compiled ({exc}); compile it again (or compile_module(its bytes)) before pickling") from None


def shipment(module: CompiledModule) -> Shipment:
    """What pickling ``module`` sends (made once per module)."""
    shipped = module._shipped
    if isinstance(shipped, Shipment):
        return shipped
    wasm = _wasm_of(module)
    content = None if wasm is None else tree_sha256(wasm, prefix=b"wasm")
    artifact = sha = engine = None
    if module._engine._pid == os.getpid():  # a forked child ships the wasm alone (its engine is the parent's)
        ptr = module._enter()
        try:
            artifact = serialize_view(ptr)
        finally:
            module._handle.leave()
        sha, engine = tree_sha256(artifact), engine_digest(module._engine)
    shipped = module._shipped = Shipment(wasm, content, artifact, sha, engine)
    return shipped


def _config_state(config: RuntimeConfig) -> tuple[tuple[str, object], ...]:
    """The settings as (name, value) pairs of plain values (records as pairs too)."""
    state = []
    for name in config._fields:
        if name in _NOT_SHIPPED:
            continue
        value = getattr(config, name)
        if isinstance(value, Record):
            value = tuple((field, getattr(value, field)) for field in value._fields)
        state.append((name, value))
    return tuple(state)


def _cache_state(cache: CompilationCache | None) -> dict[str, object] | None:
    if cache is None or cache.directory is None:
        return None
    return {"dir": os.path.abspath(cache.directory), "max_size": cache.max_size}


def reduce_compiled(module: CompiledModule, protocol: object) -> tuple[object, ...]:
    """``module.__reduce_ex__(protocol)``: ``restore`` and its payload."""
    shipped = shipment(module)
    artifact: object = shipped.artifact
    wasm: object = shipped.wasm
    if isinstance(protocol, int) and protocol >= 5:
        artifact = None if shipped.artifact is None else pickle.PickleBuffer(shipped.artifact)
        wasm = None if shipped.wasm is None else pickle.PickleBuffer(shipped.wasm)
    elif isinstance(shipped.artifact, memoryview):
        # Before protocol 5 the artifact travels as bytes: copied from wasmtime's buffer
        # once, and kept as bytes for the pickles that follow.
        artifact = bytes(shipped.artifact)
        module._shipped = shipped.replace(artifact=artifact)
    payload = {"format": FORMAT, "wt": _version(), "config": _config_state(module._engine.config),
               "cache": _cache_state(module._engine.config.compilation_cache), "wasm": wasm,
               "content": shipped.content, "artifact": artifact, "sha": shipped.sha, "engine": shipped.engine}
    return restore, (payload,)


# -- the receiving side -------------------------------------------------------------
def _bad(why: str) -> pickle.UnpicklingError:
    return pickle.UnpicklingError(f"cannot unpickle a wt CompiledModule: {why}")


def _buffer(value: object, name: str) -> bytes | None:
    """``value`` (any buffer) as immutable bytes: the object itself when it is ``bytes``,
    else one copy (a writable exporter could change between the check and the load)."""
    if value is None or type(value) is bytes:
        return value
    try:
        view = memoryview(value)  # type: ignore[arg-type]
    except TypeError:
        raise _bad(f"its {name} is a {type(value).__name__}, not bytes") from None
    with view:
        if type(view.obj) is bytes and view.c_contiguous and view.nbytes == len(view.obj):
            return view.obj
        return view.tobytes()


def _digest(value: object, name: str) -> bytes | None:
    if value is not None and (type(value) is not bytes or len(value) != 32):
        raise _bad(f"its {name} digest is not 32 bytes")
    return value


_CONFIGS: dict[object, RuntimeConfig] = {}  # the configurations read lately, by their state


def _config(state: object) -> RuntimeConfig:
    """The RuntimeConfig of a payload's ``config`` (checked once per distinct state)."""
    if not isinstance(state, tuple):
        raise _bad("its configuration is not (name, value) pairs")
    try:
        config = _CONFIGS.get(state)
    except TypeError:  # unhashable: not what wt writes
        raise _bad("its configuration is not (name, value) pairs of plain values") from None
    if config is None:
        try:
            fields = dict(state)
        except (TypeError, ValueError):
            raise _bad("its configuration is not (name, value) pairs") from None
        config = _read_config(fields)
        if len(_CONFIGS) >= 64:
            _CONFIGS.clear()
        _CONFIGS[state] = config
    return config


def _read_config(state: dict[str, Any]) -> RuntimeConfig:
    """The RuntimeConfig of a payload's ``config``, each value checked as ``with_*`` would."""
    unknown = set(state) - (set(RuntimeConfig._fields) - _NOT_SHIPPED)
    if unknown:
        raise _bad(f"it was pickled with settings this wt {_version()} does not know ({', '.join(map(str, unknown))}); "
                   "use the same wt version in every process")
    config = RuntimeConfig()
    try:
        for name, value in state.items():
            default = RuntimeConfig._defaults[name]
            if name == "features":
                config = config.with_features({f: on for f, on in value})
            elif name == "opt_level":
                config = config.with_opt_level(value)
            elif name == "max_wasm_stack":
                config = config if value is None else config.with_max_wasm_stack(value)
            elif name == "limits":
                config = config.with_limits(ResourceLimits(**dict(value)))
            elif name == "pooling":
                config = config.with_pooling_allocator(None if value is None else PoolingAllocator(**dict(value)))
            elif type(value) is type(default) or (value is None and default is None):
                config = config.replace(**{name: value})
            else:
                raise ConfigError(f"{name} is a {type(value).__name__}, not a {type(default).__name__}")
    except (ConfigError, TypeError, ValueError) as exc:
        raise _bad(f"its configuration is not valid here: {exc}") from None
    return config


def _policy() -> str:
    policy = os.environ.get(POLICY_ENV, "load") or "load"
    if policy not in ("load", "compile"):
        raise ConfigError(f"{POLICY_ENV} is 'load' (use compiled code that fits) or 'compile' (never load compiled "
                          f"code from a pickle), not {policy!r}")
    return policy


def restore(payload: object) -> CompiledModule:
    """A pickled module, in this process's runtime for its configuration (see the module
    docstring). The name is part of the pickle format: keep it."""
    if not isinstance(payload, dict) or not isinstance(payload.get("format"), int):
        raise _bad("its contents are not what wt writes (a corrupt or foreign pickle)")
    if payload["format"] != FORMAT:
        raise _bad(f"it was pickled by wt {payload.get('wt')!r} in format {payload['format']}, and this wt "
                   f"{_version()} reads format {FORMAT}; use the same wt version in every process")
    if set(payload) != _KEYS:
        missing, unknown = sorted(_KEYS - set(payload)), sorted(map(str, set(payload) - _KEYS))
        raise _bad(f"its parts are not what wt {_version()} writes (missing: {', '.join(missing) or 'none'}; "
                   f"unknown: {', '.join(unknown) or 'none'})")
    cache = payload["cache"]
    if cache is not None and not (isinstance(cache, dict) and set(cache) == {"dir", "max_size"}
                                  and isinstance(cache["dir"], str)
                                  and (cache["max_size"] is None or type(cache["max_size"]) is int)):
        raise _bad("its cache settings are not a directory and a size")
    wasm, artifact = _buffer(payload["wasm"], "wasm"), _buffer(payload["artifact"], "artifact")
    content, sha, engine_id = (_digest(payload[k], k) for k in ("content", "sha", "engine"))
    if (wasm is None) != (content is None) or (artifact is None) != (sha is None or engine_id is None):
        raise _bad("its parts do not go together")
    if wasm is None and artifact is None:
        raise _bad("it carries neither wasm nor compiled code")
    policy, config = _policy(), _config(payload["config"])
    for attempt in range(3):
        land = landing(config, cache)
        fits = artifact is not None and engine_id == engine_digest(land.runtime._engine)
        try:
            compiled = _load(land, policy, wasm, content, artifact if fits else None, sha)
            break
        except ClosedError:
            # another thread closed the shared runtime meanwhile: land in its successor
            if not land.runtime.closed or attempt == 2:
                raise
    return compiled


def _load(land: Landing, policy: str, wasm: bytes | None, content: bytes | None, artifact: bytes | None,
          sha: bytes | None) -> CompiledModule:
    """The module: made from a pickle lately, in this machine's cache, the shipped
    ``artifact`` (one that fits this engine), or compiled from ``wasm``; in that order."""
    engine = land.runtime._engine
    cache = land.runtime.config.compilation_cache
    assert cache is not None
    known = content if content is not None else sha  # what the landing knows it by
    assert known is not None
    found = land.find(known, policy, wasm)
    if found is not None:
        cache._count(hits=1)
        return found
    ptr = engine.enter()
    try:
        if content is not None:
            module = cache._lookup(ptr, key_of(content, engine.fingerprint))
            if module is not None:
                return land.keep(known, module, False, wasm)
        if artifact is not None and policy == "load":
            if tree_sha256(artifact) != sha:
                raise _bad("its compiled code does not match its digest (corrupt)")
            loaded = deserialize(ptr, artifact, len(artifact))
            if not isinstance(loaded, str):
                # Loaded, not compiled; kept with the landing, never written to this
                # machine's cache (which holds only what this machine compiled).
                cache._count(hits=1)
                compiled = land.keep(known, loaded, True, wasm)
                compiled._shipped = Shipment(wasm, content, artifact, sha, engine_digest(engine))  # sent on as it came
                return compiled
            cache._count(rejected=1)
            log(20, "wt: wasmtime refused a pickled module's compiled code (%s); compiling its wasm", loaded)
        if wasm is None:
            raise CompileError("this CompiledModule was pickled without its wasm (it was loaded from compiled code), "
                               "and its compiled code cannot run here (another wasmtime, platform, CPU or setting, "
                               f"or {POLICY_ENV}=compile): pickle a module compiled from wasm")
        if tree_sha256(wasm, prefix=b"wasm") != content:
            raise _bad("its wasm does not match its digest (corrupt)")
        return land.keep(known, cache._fetch(ptr, engine.fingerprint, wasm, content=content)[0], False, wasm)
    finally:
        engine.leave()
