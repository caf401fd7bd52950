"""xent_symbolic: derive cross-entropy losses and their gradients as proof-checked steps."""

from __future__ import annotations

__version__ = "0.1.0"
