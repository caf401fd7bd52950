"""Shared by the numeric tests: the optional backends as pytest params, array conversion, central differences, imports."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

#: torch and jax, each skipped with a reason where it is not installed
OPTIONAL_BACKENDS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            importlib.util.find_spec(name) is None, reason=f"{name} is not installed (optional extra)"
        ),
    )
    for name in ("torch", "jax")
]


def to_backend(backend: str, value):
    """A NumPy array as a torch tensor or a jax array (float64 kept)."""
    if backend == "torch":
        import torch

        return torch.as_tensor(value)
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jnp.asarray(value)


def to_numpy(value) -> np.ndarray:
    return np.asarray(value.detach() if hasattr(value, "detach") else value)


def central_differences(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """The gradient of the scalar function f at x by central differences, one coordinate at a time."""
    out = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        out[idx] = (f(up) - f(down)) / (2 * h)
    return out


def imported_modules(source: str) -> set[str]:
    """The top-level packages a Python source imports (import x.y and from x.y import z both give x)."""
    import ast

    tree = ast.parse(source)
    imported = {
        a.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names
    }
    imported |= {
        (node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    }
    return imported
