"""The catalog: every built-in derivation by name, with a one-line description and its builder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core import Derivation
from ..errors import did_you_mean
from .bce import derive_bce

__all__ = ["CatalogEntry", "CATALOG", "get", "names"]


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    description: str
    build: Callable[[], Derivation]


_ENTRIES = (
    CatalogEntry("bce", "binary cross-entropy from the Bernoulli likelihood of n independent examples", derive_bce),
)

#: catalog name -> entry
CATALOG: dict[str, CatalogEntry] = {entry.name: entry for entry in _ENTRIES}


def names() -> tuple[str, ...]:
    return tuple(CATALOG)


def get(name: str) -> CatalogEntry:
    """The entry called `name`; an UnknownNameError naming the closest entries otherwise."""
    try:
        return CATALOG[name]
    except KeyError:
        raise did_you_mean(name, names(), "derivation") from None
