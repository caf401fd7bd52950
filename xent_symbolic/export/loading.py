"""Generated source as an in-process module, and what its functions return as NumPy arrays."""

from __future__ import annotations

import types

import numpy as np

__all__ = ["as_numpy", "load_module"]


def load_module(source: str, label: str) -> types.ModuleType:
    """The module of `source`, our own generated code (never user text), compiled under a file name that
    says so: <xent export LABEL>."""
    module = types.ModuleType("xent_export_" + "".join(c if c.isalnum() else "_" for c in label))
    exec(compile(source, f"<xent export {label}>", "exec"), module.__dict__)
    return module


def as_numpy(value) -> np.ndarray:
    """A value a loaded module returns (a NumPy or jax array, a torch tensor) as a NumPy array."""
    return np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)
