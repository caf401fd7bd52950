"""xent_symbolic: derive cross-entropy losses and their gradients as proof-checked steps."""

from __future__ import annotations

__version__ = "0.1.0"

from .assumptions import Assumptions  # noqa: E402
from .catalog import CATALOG, get
from .check import CheckedDerivation, check, check_step
from .core import Derivation, Name, Relation, Status, Step
from .errors import XentError  # noqa: E402 - __version__ first: render imports it
from .verify import verify_gradient  # noqa: E402

__all__ = [
    "Assumptions",
    "CATALOG",
    "CheckedDerivation",
    "Derivation",
    "Name",
    "Relation",
    "Status",
    "Step",
    "XentError",
    "check",
    "check_step",
    "get",
    "verify_gradient",
    "__version__",
]
