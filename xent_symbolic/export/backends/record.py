"""The record of one backend and of its hand-written driver (the table of them is export/backends/__init__)."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

from ...primitives import BACKENDS as SPELLINGS

__all__ = ["FUNCTIONS", "SKELETON_KINDS", "Backend", "Skeleton"]

#: what the printer spells besides the primitives ({0}, {1}, ... are the arguments): a two-case Piecewise,
#: max(x, 0), min(x, 0), sign(x) (the derivative of abs)
FUNCTIONS = frozenset({"where", "relu", "negative_part", "sign"})

#: the drivers a skeleton may be: one blocked pass over X (numpy), one vectorised pass (jax, torch), or the
#: numpy kernel on each row block of a chunked array, the sums added in a tree (dask)
SKELETON_KINDS = ("blocked", "vectorised", "chunked")


@dataclass(frozen=True)
class Skeleton:
    """The hand-written driver of a generated module, as @name@ templates: the shared input checks (`common`),
    the linear models' driver (`linear`) and softmax regression's (`softmax`). `kind` says which it is, `says`
    what it does (the generated docstring states that this part is hand-written); its lines @logits@, @dw@
    and @db@ are printed from the checked matrix forms (export/matrix_lines), over the rows named `rows`."""

    kind: str
    common: str
    linear: str
    softmax: str
    says: str  # what the driver does, for the module docstring: it is hand-written and says so
    rows: str  # the name of the rows of X the printed matrix lines (@logits@, @dw@, @db@) run over
    imports: str = ""  # the import lines the driver needs besides the backend's (the standard library's)


@dataclass(frozen=True)
class Backend:
    """One array library a module can be generated for.

    name: the --backend value and the pip extra; package: what must be importable; imports: the import lines
    of a generated module; spelling: the column of the primitive table its elementwise code is printed in
    (primitives.BACKENDS); functions: its spelling of FUNCTIONS; isfinite / exp: the names of those array
    functions; row_max: the row max of an array Z kept as a column; permute ({0} the array, {1} the axes) and
    einsum ({0} the subscripts and operands): what the index printer needs; axis / keepdims: the keywords of a
    reduction; convert: how a user turns X into float64 (quoted in an error); skeleton: its driver; helpers:
    the source of the helpers the vectorised skeleton and the general driver are written over; jit: the decorator
    that compiles the numeric core ('' for none); notes: what its module docstring adds; matvec / vecmat: its
    spelling of a matrix times a vector, A @ v, and of a vector times a matrix, v @ A (the printed X w and X^T g),
    {0} and {1} the operands in that order; matmul: its spelling of a matrix times a matrix, A @ B (X W^T and
    (P - Y)^T X), the operands printed with any transpose.
    """

    name: str
    package: str
    imports: str
    spelling: str
    functions: Mapping[str, str]
    isfinite: str
    exp: str
    row_max: str
    permute: str
    einsum: str
    axis: str
    keepdims: str
    convert: str
    skeleton: Skeleton
    helpers: str = ""
    jit: str = ""
    notes: str = ""
    matvec: str = "{0} @ {1}"
    vecmat: str = "{0} @ {1}"
    matmul: str = "{0} @ {1}"

    def __post_init__(self) -> None:
        object.__setattr__(self, "functions", MappingProxyType(dict(self.functions)))
        if set(self.functions) != FUNCTIONS:
            raise ValueError(
                f"backend {self.name}: spell exactly {sorted(FUNCTIONS)}, not {sorted(self.functions)}"
            )
        empty = [f.name for f in fields(self) if f.name not in ("jit", "notes") and not getattr(self, f.name)]
        if empty:
            raise ValueError(f"backend {self.name}: {', '.join(empty)} must be given")
        if self.spelling not in SPELLINGS:
            raise ValueError(
                f"backend {self.name}: spelling must be a column of the primitive table {SPELLINGS}"
            )
        if self.skeleton.kind not in SKELETON_KINDS:
            raise ValueError(f"backend {self.name}: skeleton kind must be one of {SKELETON_KINDS}")

    @property
    def spellings(self) -> dict[str, str]:
        """The placeholders its spelling fills into a skeleton: @exp@, @axis@, @convert@, ..."""
        names = ("isfinite", "exp", "row_max", "axis", "keepdims", "convert", "jit")
        return {name: getattr(self, name) for name in names}

    def available(self) -> bool:
        return importlib.util.find_spec(self.package) is not None
