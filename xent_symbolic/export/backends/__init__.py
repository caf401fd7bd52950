"""The backends a module can be generated for: one frozen `Backend` record each, in one table.

The CLI's `--backend` choices, the missing-backend message, the array printer and the module generator all
read `BACKENDS`. Adding a backend is adding its file here (a `BACKEND` record) and its line in `_RECORDS`;
`tests/test_export_backends.py` fails on a record that leaves anything out.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ...errors import XentError, did_you_mean
from . import dask_backend, jax_backend, numpy_backend, torch_backend
from .record import FUNCTIONS, SKELETON_KINDS, Backend, Skeleton

__all__ = [
    "BACKENDS",
    "FUNCTIONS",
    "SKELETON_KINDS",
    "Backend",
    "MissingBackendError",
    "Skeleton",
    "backend",
    "require_backend",
]


class MissingBackendError(XentError, ImportError):
    """An optional array library (jax, torch, dask) that is not installed."""


#: every backend, in the order the CLI lists them
_RECORDS = (numpy_backend.BACKEND, jax_backend.BACKEND, torch_backend.BACKEND, dask_backend.BACKEND)

#: backend name -> record
BACKENDS: Mapping[str, Backend] = MappingProxyType({b.name: b for b in _RECORDS})


def backend(name: str) -> Backend:
    """The record of backend `name`; an UnknownNameError naming the closest backends otherwise."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise did_you_mean(name, tuple(BACKENDS), "backend") from None


def require_backend(name: str) -> Backend:
    """The record of `name`, or MissingBackendError with the install command where its library is absent."""
    record = backend(name)
    if not record.available():
        raise MissingBackendError(
            f"the {name} backend needs the {record.package} package; "
            f"install it with: pip install 'xent-symbolic[{name}]'"
        )
    return record
