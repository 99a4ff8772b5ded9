"""WASI configuration builders for wt."""

from __future__ import annotations

__all__: list[str] = []
