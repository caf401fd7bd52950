"""The drivers' matrix lines, printed from the checked matrix forms through SymPy's MatMul and Transpose: the logits
(z = X w + b 1, Z = X W^T + 1 b^T) and the sums the gradient is made of (X^T g and 1^T g; (P - Y)^T X and
(P - Y)^T 1), each over a block of rows, with the factor 1/n of the forms left to the driver's last step."""

from __future__ import annotations

from functools import cache

import sympy as sp

from ..catalog import CATALOG, DRIVER_FORMS
from ..catalog.notation import X_mat
from ..check import check
from ..matrices import index_form
from ..prove import proves_zero
from .printer import print_array

__all__ = ["driver_lines"]

#: the checker's budget for each of the derivations and for the logits' identity
_BUDGET = 10.0


@cache
def _forms(kind: str) -> tuple[sp.MatrixExpr, sp.MatrixExpr, sp.MatrixSymbol]:
    """(the weights' sum, the bias's sum, the residual's symbol) of a kind of driver: the checked matrix forms
    of its entries, less their factor 1/n, with the residual (g, or P - Y) as one matrix symbol R."""
    forms = DRIVER_FORMS[kind]
    residual = sp.MatrixSymbol("R", *forms.residual.shape)
    sums = []
    for name in (forms.weights, forms.bias):
        derivation = CATALOG[name].build()
        status = check(derivation, budget=_BUDGET).status.value
        if status != "proved":
            raise AssertionError(f"{name} is {status}: the drivers print only proved matrix forms")
        matrix = derivation.current.matrix
        coefficient, factors = matrix.as_coeff_matrices()
        n = forms.residual.shape[0]
        replaced = sp.MatMul(*factors).xreplace(
            {forms.residual: residual, sp.Transpose(forms.residual).doit(): residual.T}
        )
        if coefficient != 1 / n or not replaced.has(residual):
            raise AssertionError(
                f"{name}: its matrix form {matrix} is not (1/{n}) times a product with {forms.residual}"
            )
        sums.append(replaced)
    _check_logits(kind)
    return sums[0], sums[1], residual


def _check_logits(kind: str) -> None:
    """The logits' matrix is, entry by entry, the logit the derivations define (proved, or an AssertionError)."""
    forms = DRIVER_FORMS[kind]
    assumptions = CATALOG[forms.weights].build().assumptions
    (definition,) = [value for quantity, value in assumptions.definitions if quantity == forms.logit]
    row, *col = forms.logit.indices
    entry = index_form(forms.logits, row, col[0] if col else sp.S.One, dict(forms.entries))
    if not proves_zero(entry - definition, assumptions, _BUDGET):
        raise AssertionError(f"{kind}: the entries of {forms.logits} are not {forms.logit} = {definition}")


def driver_lines(kind: str, backend: str, *, X: str, residual: str) -> dict[str, str]:
    """The driver's @logits@, @dw@ and @db@ for `backend`: z over the rows `X`, and the sums over those rows
    that (divided by n) are the gradient, the residual (g = dl/dz, or G = P - Y) named `residual` there."""
    weights, bias, symbol = _forms(kind)
    arrays = {X_mat: X, symbol: residual}
    return {
        "logits": print_array(DRIVER_FORMS[kind].logits, backend, arrays),
        "dw": print_array(weights, backend, arrays),
        "db": print_array(bias, backend, arrays),
    }
