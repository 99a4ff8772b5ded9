"""WASIConfig: the WASI preview-1 context a runtime gives its instances."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Mapping

from wt_api import ConfigError, ModuleConfig
from wt_api.wasi_bridge import build_wasi
from wt_ffi.wasi import wasi_config_t

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    import dataclasses
    from dataclasses import dataclass
else:  # the same records without the import cost of dataclasses
    from wt_ffi import _records as dataclasses
    from wt_ffi._records import dataclass

__all__ = ["WASIConfig"]


@dataclass(frozen=True)
class WASIConfig:
    """What a WASI program sees: its args, environment, stdio and preopened directories.

    Give it to ``RuntimeConfig().with_wasi(...)``; every instance made with
    ``Runtime.instantiate_with_wasi`` gets its own WASI context built from it, overlaid by
    that instance's ``ModuleConfig`` (args, env, stdio, preopens). Immutable: each
    ``with_*`` returns a new config, so a config a runtime holds never changes.

    Thread-safety: a config is a value and may be shared freely."""

    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    inherit_args: bool = False
    inherit_env: bool = False
    inherit_stdin: bool = False
    inherit_stdout: bool = False
    inherit_stderr: bool = False
    stdin: object | None = None
    stdout: object | None = None
    stderr: object | None = None
    preopens: tuple[tuple[str, str, bool], ...] = ()

    def with_args(self, *args: str) -> WASIConfig:
        """The guest's argv; ``args[0]`` is the program name."""
        ModuleConfig().with_args(*args)  # validates
        return dataclasses.replace(self, args=tuple(args), inherit_args=False)

    def with_inherit_args(self) -> WASIConfig:
        """Give the guest this process's ``sys.argv``."""
        return dataclasses.replace(self, inherit_args=True, args=())

    def with_env(self, key: str, value: str) -> WASIConfig:
        """Add (or replace) one environment variable."""
        env = ModuleConfig(env=self.env).with_env(key, value).env
        return dataclasses.replace(self, env=env)

    def with_envs(self, env: Mapping[str, str]) -> WASIConfig:
        """Add (or replace) several environment variables."""
        return dataclasses.replace(self, env=ModuleConfig(env=self.env).with_envs(env).env)

    def with_inherit_env(self) -> WASIConfig:
        """Give the guest this process's environment (variables set with ``with_env`` win)."""
        return dataclasses.replace(self, inherit_env=True)

    def with_inherit_stdio(self) -> WASIConfig:
        """Connect the guest's stdin, stdout and stderr to this process's."""
        return dataclasses.replace(self, inherit_stdin=True, inherit_stdout=True, inherit_stderr=True,
                                   stdin=None, stdout=None, stderr=None)

    def with_stdin(self, source: object) -> WASIConfig:
        """The guest's stdin: bytes, a binary file object or a path."""
        return dataclasses.replace(self, stdin=ModuleConfig().with_stdin(source).stdin, inherit_stdin=False)

    def with_stdout(self, writer: object) -> WASIConfig:
        """Where the guest's stdout goes: a binary writer or a callable taking bytes."""
        return dataclasses.replace(self, stdout=ModuleConfig().with_stdout(writer).stdout, inherit_stdout=False)

    def with_stderr(self, writer: object) -> WASIConfig:
        """Where the guest's stderr goes: a binary writer or a callable taking bytes."""
        return dataclasses.replace(self, stderr=ModuleConfig().with_stderr(writer).stderr, inherit_stderr=False)

    def with_preopen_dir(self, host: str | os.PathLike[str], guest: str, *, read_only: bool = False) -> WASIConfig:
        """Let the guest reach the host directory ``host`` as ``guest``, and nothing outside
        it (``..`` included); with ``read_only`` every guest write there fails."""
        preopen = ModuleConfig().with_dir_preopen(host, guest, read_only=read_only).preopens
        return dataclasses.replace(self, preopens=self.preopens + preopen)

    def _wt_build_wasi(self, config: ModuleConfig) -> tuple[ctypes._Pointer[wasi_config_t], list[object]]:
        """The C configuration for one instance (used by wt-api)."""
        if not isinstance(config, ModuleConfig):
            raise ConfigError(f"expected a ModuleConfig, not {type(config).__name__}")
        return build_wasi(self, config)
