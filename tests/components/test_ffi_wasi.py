"""wt_ffi's component declarations, part 4: WASI 0.2 commands through ``add_wasip2``.

The store's WASI context is the preview-1 ``wasi_config_t`` (``wasmtime_context_set_wasi``):
arguments, environment, stdin bytes, stdout/stderr callbacks and a read-only preopen reach a
componentize-py command and a C command adapted by jco, through ``wasi:cli/run``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .capi import CError, Linker, call, get_func, wasi_config

# jco 1.35's adapter exports wasi:cli/run@0.2.12, componentize-py's wit here 0.2.0: an export
# lookup by name accepts any semver-compatible version
RUN = ("wasi:cli/run@0.2.0", "run")


def _run(engine: Any, component: Any, new_store: Any, tmp_path: Path, exit_code: int) -> tuple[Any, str, str]:
    (tmp_path / "in.txt").write_text("file text\n")
    out: list[bytes] = []
    err: list[bytes] = []
    cfg, keep = wasi_config(args=["prog", "/data/in.txt", "two words"],
                            env={"GREETING": "héllo", "EXIT": str(exit_code)}, stdin=b"from stdin",
                            preopen=(str(tmp_path), "/data"), out=out, err=err)
    st = new_store(cfg)
    linker = Linker(engine, wasip2=True)
    try:
        inst = linker.instantiate(st, component)
        try:
            result: Any = call(st, get_func(st, inst, *RUN), [])
        except CError as exc:
            result = exc
    finally:
        linker.close()
    del keep
    return result, b"".join(out).decode(), b"".join(err).decode()


EXPECTED = "args: /data/in.txt two words\ngreeting: héllo\nstdin: from stdin\nfile: file text\n"


@pytest.mark.parametrize("name", ["command", "c-command"])
def test_a_command_sees_args_env_stdin_and_a_preopen(engine: Any, compiled: Any, new_store: Any, tmp_path: Path,
                                                   name: str) -> None:
    result, out, err = _run(engine, compiled(name), new_store, tmp_path, 0)
    assert result == [("result", True, None)]
    assert out == EXPECTED
    assert err == "to stderr\n"


@pytest.mark.parametrize("name", ["command", "c-command"])
def test_a_non_zero_exit_is_an_error_with_exit_status_1(engine: Any, compiled: Any, new_store: Any, tmp_path: Path,
                                                        name: str) -> None:
    # WASI 0.2's wasi:cli/exit takes a result: any non-zero status reaches the host as 1
    # (exit-with-code is an unstable interface the C API's add_wasip2 does not enable).
    result, out, _ = _run(engine, compiled(name), new_store, tmp_path, 3)
    assert isinstance(result, CError) and result.exit_status == 1
    assert out == EXPECTED

