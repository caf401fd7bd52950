"""xent_symbolic: derive cross-entropy losses and their gradients as proof-checked steps."""

from __future__ import annotations

from ._version import __version__
from .assumptions import Assumptions
from .catalog import CATALOG, get
from .check import CheckedDerivation, check, check_step
from .core import Derivation, Relation, Status, Step
from .errors import XentError
from .names import Name
from .verify import verify_gradient

__all__ = [
    "CATALOG",
    "Assumptions",
    "CheckedDerivation",
    "Derivation",
    "Name",
    "Relation",
    "Status",
    "Step",
    "XentError",
    "__version__",
    "check",
    "check_step",
    "get",
    "verify_gradient",
]
