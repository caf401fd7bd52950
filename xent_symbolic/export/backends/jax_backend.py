"""The jax backend: the vectorised driver, over these helpers."""

from __future__ import annotations

from .record import Backend
from .vectorised import SKELETON

HELPERS = '''
def _array(value):
    """value as a jax array: jax arrays (traced ones too) as they are; NumPy arrays and nested lists read by
    NumPy first, then by jnp.asarray (float64 stays float64 where jax_enable_x64 is on, as everywhere in jax);
    a non-numeric array stays a NumPy array, for its error message."""
    if isinstance(value, jax.Array):
        return value
    value = np.asarray(value)
    return jnp.asarray(value) if value.dtype.kind in "biufc" else value


def _concrete(value):
    """True unless value is traced (jax.jit, jax.grad, jax.vmap): only concrete values can be read."""
    return not isinstance(value, jax.core.Tracer)


def _any(flags):
    """Whether any flag of a check is set; False where the flags are traced: a concrete argument's check, once
    inside jax.jit, is itself traced, and a traced value is not checked (see the module docstring)."""
    return _concrete(flags) and bool(flags.any())


def _dtype(value):
    return str(value.dtype)


def _numeric(value):
    return value.dtype.kind in "biuf"


def _integer(value):
    return value.dtype.kind in "iu"


def _cast(value, X):
    return value.astype(X.dtype)


def _one_hot(Y, K, X):
    return (Y[:, None] == jnp.arange(K)).astype(X.dtype)


def _eps(X):
    return float(jnp.finfo(X.dtype).eps)


def _first(bad):
    """The index of the first True of a concrete boolean array (error path only)."""
    return tuple(int(i) for i in np.argwhere(np.asarray(bad))[0])


def _text(value):
    """A concrete scalar as the numpy module prints it (error path only)."""
    return str(np.asarray(value)[()])
'''


NOTES = """
jax: the numeric core is jax.jit-compiled (once per shape and dtype, on the first call); the input checks run
before it, in Python. Every array argument may be a jax array, a NumPy array or a nested list (read by NumPy,
then by jnp.asarray: float64 stays float64 only where jax_enable_x64 is on, as everywhere in jax); labels and
parameters take X's dtype. The checks and their messages are the numpy module's. Under jax.jit, jax.grad and
jax.vmap the shape and dtype checks run when the function is traced; the value checks (labels in their domain,
finite parameters, hyperparameters in their intervals) run only on arguments that are not traced, so a call
inside your own jax.jit, or a traced argument, is not checked for its values: call the function once outside
it to check them.
"""

BACKEND = Backend(
    name="jax",
    package="jax",
    imports="import jax\nimport jax.numpy as jnp\nimport numpy as np",
    spelling="jax",
    functions={
        "where": "jnp.where({0}, {1}, {2})",
        "relu": "jnp.maximum({0}, 0)",
        "negative_part": "jnp.minimum({0}, 0)",
        "sign": "jnp.sign({0})",
    },
    isfinite="jnp.isfinite",
    exp="jnp.exp",
    row_max="Z.max(axis=1, keepdims=True)",
    permute="jnp.transpose({0}, {1})",
    einsum="jnp.einsum({0})",
    axis="axis",
    keepdims="keepdims",
    convert="X.astype(jnp.float64)",
    skeleton=SKELETON,
    helpers=HELPERS,
    jit="@jax.jit",
    notes=NOTES,
)
