"""Names of quantities, in plain text and in LaTeX: a leaf module that records and renderers both read."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Name"]


@dataclass(frozen=True)
class Name:
    """The name of a quantity, in plain text and in LaTeX (e.g. 'L(yhat)' and r'\\mathcal{L}(\\hat{y})')."""

    text: str
    latex: str

    def __str__(self) -> str:
        return self.text
