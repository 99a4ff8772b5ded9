"""WASI for wt: the :class:`WASIConfig` builders, the ``wt-wasm`` command (``run``,
``bindgen``), WAVE text for component values, and typed bindings of components.

>>> import wt_api as wt
>>> from wt_wasi import WASIConfig
>>> config = wt.RuntimeConfig().with_wasi(WASIConfig().with_args("program", "arg1"))
"""

from __future__ import annotations

from .config import WASIConfig

__version__ = "0.1.0"

TYPE_CHECKING = False  # typing's constant, without importing typing
if TYPE_CHECKING:
    from ._bindgen import generate_bindings
    from ._wave import WaveError, format_wave, parse_wave, parse_wave_call

# Loaded on first use: the component tools (re, decimal, the WIT walk) cost start-up time that
# `wt-wasm run` of a module does not need.
_ON_FIRST_USE = {"generate_bindings": "_bindgen", "WaveError": "_wave", "format_wave": "_wave",
                 "parse_wave": "_wave", "parse_wave_call": "_wave"}


def __getattr__(name: str) -> object:
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib  # (the names loaded on first use: start-up)

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

__all__ = ["WASIConfig", "WaveError", "format_wave", "generate_bindings", "parse_wave", "parse_wave_call"]
