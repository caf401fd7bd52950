"""The logistic sigmoid, softplus and log-sigmoid as SymPy functions with exact derivatives and their own LaTeX;
and a pointwise loss l(z, y) known only by its name and its derivative, for what holds of every such loss."""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy.core.evalf import prec_to_dps

__all__ = ["AbstractFunction", "log_sigmoid", "pointwise_loss", "pointwise_slope", "sigmoid", "softplus"]

#: guard bits for the argument and the evaluation of a function's value in _eval_evalf
_GUARD = 30


def _accurate_evalf(function, prec: int, value):
    """`value(x)` (an mpmath expression free of cancellation) at the real number `function.args[0]`, to `prec`
    bits: log(1 + exp(z)) computed as written loses every digit of softplus(-263) = 4.2e-115 at 120 digits,
    log1p(exp(z)) none; None where the argument is not a real number (SymPy then leaves the call as it is)."""
    arg = function.args[0].evalf(prec_to_dps(prec + _GUARD))
    if not (arg.is_Number and arg.is_real):
        return None
    with mpmath.workprec(prec + _GUARD):
        result = value(mpmath.mpf(arg._to_mpmath(prec + _GUARD)))
    return sp.Float(result, precision=prec)


class sigmoid(sp.Function):
    r"""sigma(z) = 1 / (1 + exp(-z)); d/dz sigma(z) = sigma(z) (1 - sigma(z)).

    >>> z = sp.Symbol('z', real=True)
    >>> sigmoid(z).diff(z)
    (1 - sigmoid(z))*sigmoid(z)
    """

    nargs = 1

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Half
        if z is sp.S.Infinity:
            return sp.S.One
        if z is sp.S.NegativeInfinity:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_rewrite_as_tanh(self, z, **kwargs):
        return (1 + sp.tanh(z / 2)) / 2

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _eval_is_extended_positive(self):
        return self._eval_is_positive()

    def _latex(self, printer, exp=None):
        text = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return text if exp is None else r"%s^{%s}" % (text, exp)


class softplus(sp.Function):
    r"""softplus(z) = log(1 + exp(z)); d/dz softplus(z) = sigma(z).

    >>> z = sp.Symbol('z', real=True)
    >>> softplus(z).diff(z)
    sigmoid(z)
    """

    nargs = 1

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.log(2)
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    _eval_rewrite_as_exp = _eval_rewrite_as_log

    def _eval_evalf(self, prec):
        return _accurate_evalf(self, prec, lambda x: mpmath.log1p(mpmath.exp(x)))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _eval_is_extended_positive(self):
        return self._eval_is_positive()

    def _latex(self, printer, exp=None):
        text = r"\operatorname{softplus}\left(%s\right)" % printer._print(self.args[0])
        return text if exp is None else r"%s^{%s}" % (text, exp)


class log_sigmoid(sp.Function):
    r"""log_sigmoid(z) = log sigma(z) = -softplus(-z); d/dz log_sigmoid(z) = sigma(-z).

    >>> z = sp.Symbol('z', real=True)
    >>> log_sigmoid(z).diff(z)
    sigmoid(-z)
    """

    nargs = 1

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return -sp.log(2)
        if z is sp.S.Infinity:
            return sp.S.Zero
        if z is sp.S.NegativeInfinity:
            return sp.S.NegativeInfinity
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return sigmoid(-self.args[0])

    def _eval_rewrite_as_log(self, z, **kwargs):
        return -sp.log(1 + sp.exp(-z))

    _eval_rewrite_as_exp = _eval_rewrite_as_log

    def _eval_rewrite_as_softplus(self, z, **kwargs):
        return -softplus(-z)

    def _eval_rewrite_as_sigmoid(self, z, **kwargs):
        return sp.log(sigmoid(z))

    def _eval_evalf(self, prec):
        return _accurate_evalf(self, prec, lambda x: -mpmath.log1p(mpmath.exp(-x)))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_negative(self):
        return True if self.args[0].is_real else None

    def _eval_is_extended_negative(self):
        return self._eval_is_negative()

    def _latex(self, printer, exp=None):
        text = r"\log\sigma\left(%s\right)" % printer._print(self.args[0])
        return text if exp is None else r"\left(%s\right)^{%s}" % (text, exp)


class AbstractFunction(sp.Function):
    """A real function known only by its name and its derivative (no formula, no numeric value): what is proved
    of an expression that contains one holds for every function it may stand for. The numeric search never
    samples such an expression, so only a proof decides it (an unproved claim is unknown, never refuted)."""

    is_real = True


class pointwise_slope(AbstractFunction):
    r"""dl/dz (z, y): the derivative of a pointwise loss l(z, y) in its first argument, printed \partial_z l."""

    nargs = 2

    def _latex(self, printer, exp=None):
        text = r"\partial_z l\left(%s, %s\right)" % tuple(printer._print(a) for a in self.args)
        return text if exp is None else r"\left(%s\right)^{%s}" % (text, exp)

    def _sympystr(self, printer):
        return "dl/dz(%s, %s)" % tuple(printer._print(a) for a in self.args)


class pointwise_loss(AbstractFunction):
    r"""l(z, y): any loss of a prediction z and a label y, differentiable in z (d/dz l = pointwise_slope)."""

    nargs = 2

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return pointwise_slope(*self.args)

    def _latex(self, printer, exp=None):
        text = r"l\left(%s, %s\right)" % tuple(printer._print(a) for a in self.args)
        return text if exp is None else r"%s^{%s}" % (text, exp)

    def _sympystr(self, printer):
        return "l(%s, %s)" % tuple(printer._print(a) for a in self.args)
