"""Shared by the backend tests: the optional backends as pytest params, and array conversion both ways."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

#: torch and jax, each skipped with a reason where it is not installed
OPTIONAL_BACKENDS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(importlib.util.find_spec(name) is None, reason=f"{name} is not installed (optional extra)"),
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
