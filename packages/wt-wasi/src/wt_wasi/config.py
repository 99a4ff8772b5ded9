"""WASIConfig: the WASI preview-1 context a runtime gives its instances."""

from __future__ import annotations

import os
from collections.abc import Mapping

from wt_api import ModuleConfig, WasiSettings

__all__ = ["WASIConfig"]


class WASIConfig(WasiSettings):
    """What a WASI program sees: its args, environment, stdio and preopened directories.

    Give it to ``RuntimeConfig().with_wasi(...)``; every instance made with
    ``Runtime.instantiate_with_wasi`` gets its own WASI context built from it, overlaid by
    that instance's ``ModuleConfig`` (args, env, stdio, preopens). Immutable: each
    ``with_*`` returns a new config, so a config a runtime holds never changes. (The
    values are checked as ``ModuleConfig``'s ``with_*`` methods check them.)

    Thread-safety: a config is a value and may be shared freely."""

    def with_args(self, *args: str) -> WASIConfig:
        """The guest's argv; ``args[0]`` is the program name."""
        return self.replace(args=ModuleConfig().with_args(*args).args, inherit_args=False)

    def with_inherit_args(self) -> WASIConfig:
        """Give the guest this process's ``sys.argv``."""
        return self.replace(inherit_args=True, args=())

    def with_env(self, key: str, value: str) -> WASIConfig:
        """Set one environment variable (replacing an earlier value of the same name)."""
        return self.replace(env=ModuleConfig(env=self.env).with_env(key, value).env)

    def with_envs(self, env: Mapping[str, str]) -> WASIConfig:
        """Set several environment variables (as :meth:`with_env`)."""
        return self.replace(env=ModuleConfig(env=self.env).with_envs(env).env)

    def with_inherit_env(self) -> WASIConfig:
        """Give the guest this process's environment (variables set with ``with_env`` win)."""
        return self.replace(inherit_env=True)

    def with_inherit_stdio(self) -> WASIConfig:
        """Connect the guest's stdin, stdout and stderr to this process's."""
        return self.replace(inherit_stdin=True, inherit_stdout=True, inherit_stderr=True,
                            stdin=None, stdout=None, stderr=None)

    def with_stdin(self, source: object) -> WASIConfig:
        """The guest's stdin: bytes, a binary file object or a path."""
        return self.replace(stdin=ModuleConfig().with_stdin(source).stdin, inherit_stdin=False)

    def with_stdout(self, writer: object) -> WASIConfig:
        """Where the guest's stdout goes: a binary writer or a callable taking bytes."""
        return self.replace(stdout=ModuleConfig().with_stdout(writer).stdout, inherit_stdout=False)

    def with_stderr(self, writer: object) -> WASIConfig:
        """Where the guest's stderr goes: a binary writer or a callable taking bytes."""
        return self.replace(stderr=ModuleConfig().with_stderr(writer).stderr, inherit_stderr=False)

    def with_preopen_dir(self, host: str | os.PathLike[str], guest: str, *, read_only: bool = False) -> WASIConfig:
        """Let the guest reach the host directory ``host`` as ``guest`` (a normalised path),
        and nothing outside it (``..`` included); with ``read_only`` every guest write
        there fails."""
        preopen = ModuleConfig().with_preopen_dir(host, guest, read_only=read_only).preopens
        return self.replace(preopens=self.preopens + preopen)
