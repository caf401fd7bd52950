"""LaTeX for expressions: SymPy's LatexPrinter with the conventions of the field (no document knowledge)."""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

__all__ = ["XentLatexPrinter", "latex"]


class XentLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the conventions of the field: -\\frac{1}{n} \\sum ..., y_i \\log \\hat{y}_i."""

    printmethod = "_latex"

    def _print_Mul(self, expr):
        coefficient, factors = expr.as_coeff_mul()
        reciprocals = [f for f in factors if f.is_Pow and f.exp == -1 and f.base.is_Symbol]
        others = [f for f in factors if f not in reciprocals]
        if any(f.is_Pow and f.exp.is_negative for f in others) or not others:
            return super()._print_Mul(expr)
        if reciprocals and not any(f.has(sp.Sum, sp.Product) for f in others):
            return super()._print_Mul(expr)
        sign = "-" if coefficient.is_negative else ""
        magnitude = abs(coefficient)
        parts = []
        if reciprocals:
            denominator = " ".join(self._print(f.base) for f in reciprocals)
            numerator = self._print(magnitude.p) if magnitude.q == 1 else None
            if numerator is None:
                parts.append(r"\frac{%s}{%s %s}" % (magnitude.p, magnitude.q, denominator))
            else:
                parts.append(r"\frac{%s}{%s}" % (numerator, denominator))
        elif magnitude != 1:
            parts.append(self._print(magnitude))
        # plain quantities (y_i, 1 - y_i) before function applications (\log \hat{y}_i), as people write them
        ordered = sorted(
            others,
            key=lambda f: (isinstance(f, sp.Function) or f.has(sp.Sum, sp.Product), sp.default_sort_key(f)),
        )
        for k, f in enumerate(ordered):
            last = k == len(ordered) - 1
            # a trailing sum or product needs no parentheses: -\frac{1}{n} \sum_i ...
            parts.append(
                self._print(f)
                if last and isinstance(f, (sp.Sum, sp.Product))
                else self.parenthesize(f, PRECEDENCE["Mul"], strict=False)
            )
        return sign + " ".join(parts)

    def _print_Add(self, expr, order=None):
        if any(t.is_number for t in expr.args):
            return super()._print_Add(expr, order)
        # simpler terms first: y_i \log \hat{y}_i before (1 - y_i) \log(1 - \hat{y}_i)
        terms = sorted(self._as_ordered_terms(expr, order=order), key=sp.count_ops)
        text = ""
        for k, term in enumerate(terms):
            if k == 0:
                piece = self._print(term)
            elif term.could_extract_minus_sign():
                text += " - "
                piece = self._print(-term)
            else:
                text += " + "
                piece = self._print(term)
            text += r"\left(%s\right)" % piece if self._needs_add_brackets(term) else piece
        return text

    def _print_log1p(self, expr, exp=None):
        """log1p(x) as people write it: log(1 + x)."""
        text = r"\log\left(1 + %s\right)" % self._print(expr.args[0])
        return text if exp is None else r"\left(%s\right)^{%s}" % (text, exp)

    def _print_expm1(self, expr, exp=None):
        """expm1(x) as people write it: e^x - 1."""
        text = r"\left(e^{%s} - 1\right)" % self._print(expr.args[0])
        return text if exp is None else r"%s^{%s}" % (text, exp)

    def _needs_add_brackets(self, term) -> bool:
        return isinstance(term, sp.Add)


_PRINTER = XentLatexPrinter()


def latex(expr: sp.Basic) -> str:
    """The LaTeX of one expression in the project's conventions."""
    return _PRINTER.doprint(expr)
