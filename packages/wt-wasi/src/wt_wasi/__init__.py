"""WASI for wt: the :class:`WASIConfig` builders and the ``wt-wasm run`` command.

>>> import wt_api as wt
>>> from wt_wasi import WASIConfig
>>> config = wt.RuntimeConfig().with_wasi(WASIConfig().with_args("program", "arg1"))
"""

from __future__ import annotations

from .config import WASIConfig

__version__ = "0.1.0"

__all__ = ["WASIConfig"]
