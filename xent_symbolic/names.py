"""Names of quantities, in plain text and in LaTeX: a leaf module that records and renderers both read."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Name", "Phrase"]


@dataclass(frozen=True)
class Name:
    """The name of a quantity, in plain text and in LaTeX (e.g. 'L(yhat)' and r'\\mathcal{L}(\\hat{y})')."""

    text: str
    latex: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Phrase:
    """A sentence in plain text and in LaTeX (words in text mode, math in $...$): a step's justification.

    >>> Phrase("log(a b) = log a + log b", r"$\\log(ab) = \\log a + \\log b$").text
    'log(a b) = log a + log b'
    """

    text: str
    latex: str

    def __str__(self) -> str:
        return self.text
