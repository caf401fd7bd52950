"""Standalone modules from checked derivations: stable elementwise code printed per backend, in a matrix skeleton."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import log1p

from .._version import __version__
from ..catalog import CATALOG, Export
from ..catalog.stable import (
    derive_softmax_logits,
    derive_softmax_logits_gradient,
    k,
    uk,
    y,
    yk,
    z,
)
from ..catalog.stable_glm import HYPERPARAMETERS
from ..check import check
from ..core import Derivation
from ..errors import did_you_mean
from ..primitives import PRIMITIVES
from ..stable_rules import (
    OVERFLOW_FREE,
    OverflowFreeSigmoid,
    OverflowFreeSoftplus,
    before_overflow_free,
)
from . import templates
from .backends import Backend, backend
from .backends import backend as backend_record
from .catalog_accuracy import accuracy_text, measure
from .fill import fill
from .loading import load_module
from .matrix_lines import driver_lines
from .printer import print_array, shared_subexpressions

__all__ = ["ALIASES", "EXPORTABLE", "EXPORTS", "LINEAR_MODELS", "Provenance", "module_source"]


#: export module name -> its Export, as the catalog entries declare them (entries sharing a module share it)
EXPORTS: dict[str, Export] = {e.export.module: e.export for e in CATALOG.values() if e.export is not None}

#: the linear models, by export name
LINEAR_MODELS: dict[str, Export] = {name: e for name, e in EXPORTS.items() if e.kind == "linear"}

#: exportable name -> the stable derivations its elementwise code is printed from
EXPORTABLE: dict[str, tuple[str, ...]] = {name: e.stable for name, e in EXPORTS.items()}

#: other names accepted by module_source: the entries whose export is another entry's module
ALIASES: dict[str, str] = {
    e.name: e.export.module for e in CATALOG.values() if e.export is not None and e.name != e.export.module
}


#: the derivations of the sample_weight= and l2= terms every export prints
_REGULARISATION = ("regularised-objective", "l2-penalty-gradient")


def _stable(name: str) -> Derivation:
    """A stable derivation, built by its catalog entry."""
    return CATALOG[name].build()


#: the checker's time budget per obligation for the header's verdicts (a cap: most proofs take well under 1 s)
_CHECK_BUDGET = 10.0


@dataclass(frozen=True)
class Provenance:
    """A derivation the module is generated from, and the checker's verdict on it."""

    name: str
    title: str
    status: str
    steps: int
    final: str


def _provenance(derivation: Derivation) -> Provenance:
    checked = check(derivation, budget=_CHECK_BUDGET)
    return Provenance(
        derivation.name,
        derivation.title,
        checked.status.value,
        len(derivation.steps),
        str(derivation.current),
    )


def _assignments(
    exprs: list[sp.Expr], backend: str, arrays: dict, indent: str = "    "
) -> tuple[list[str], list[str]]:
    replacements, reduced = shared_subexpressions(exprs, backend)
    lines = [f"{indent}{symbol} = {print_array(value, backend, arrays)}" for symbol, value in replacements]
    return lines, [print_array(e, backend, arrays) for e in reduced]


def _hyperparameter_symbols(model: Export) -> list[sp.Symbol]:
    by_name = {symbol.name: symbol for symbol in HYPERPARAMETERS}
    return [by_name[name] for name, _ in model.defaults]


def _printed_form(derivation: Derivation, backend: str) -> sp.Expr:
    """What a backend prints of a stable derivation: where it has a fused kernel (primitives' `fused`) for every
    function the derivation's last, overflow-free steps expand, the expression before those steps (each call
    printed as its kernel); else the final expression."""
    steps = derivation.steps
    first = next((n for n, step in enumerate(steps) if isinstance(step.rule, OVERFLOW_FREE)), None)
    if first is None or not all(isinstance(step.rule, OVERFLOW_FREE) for step in steps[first:]):
        return derivation.current
    before = steps[first].before
    spelling = backend_record(backend).spelling
    expanded = [p for p in PRIMITIVES if p.stable is not None and before.atoms(p.sympy_class)]
    return before if all(spelling in p.fused for p in expanded) else derivation.current


def _pointwise_functions(model: Export, backend: str) -> str:
    """The three elementwise functions of a linear model, printed from its stable derivations."""
    loss = _printed_form(_stable(model.loss), backend)
    dloss = _printed_form(_stable(model.dloss), backend)
    hyper = _hyperparameter_symbols(model)
    unknown = (loss.free_symbols | dloss.free_symbols) - {z, y, *hyper}
    assert not unknown, f"{model.module}: the pointwise forms use undeclared symbols {unknown}"
    signature = ", ".join(["z", "y", *(s.name for s in hyper)])
    chunks = []
    for fname, exprs, doc in (
        ("_pointwise_loss", [loss], f"l(z, y), the per-example loss (printed from the checked {model.loss})"),
        (
            "_pointwise_dloss",
            [dloss],
            f"dl/dz, the per-example derivative (printed from the checked {model.dloss})",
        ),
        ("_pointwise_loss_dloss", [loss, dloss], "l(z, y) and dl/dz, sharing their common subexpressions"),
    ):
        lines, results = _assignments(exprs, backend, {})
        body = "".join(f"{line}\n" for line in lines)
        chunks.append(f'def {fname}({signature}):\n    """{doc}."""\n{body}    return {", ".join(results)}\n')
    return "\n\n".join(chunks)


def _softmax_lse(final: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(the log-sum-exp atom log1p(sum_j exp(u_j) - 1) of the checked softmax-logits form, the loss in lse)."""
    (atom,) = [a for a in final.atoms(log1p) if a.args[0].has(sp.Sum)]
    return atom, final.xreplace({atom: sp.Symbol("lse", real=True)})


def _softmax_pieces(backend: str) -> dict[str, str]:
    """The lse, loss and dl/dZ lines of the softmax case, printed from the checked forms (lse = log1p(rest):
    `rest`, the sum less its max term, is the drivers' own line, and so is E = exp(U))."""
    _, loss = _softmax_lse(derive_softmax_logits().current)
    rest, exp_u = sp.Symbol("rest", real=True), sp.Symbol("E", real=True)
    dloss = derive_softmax_logits_gradient().current
    (total,) = dloss.atoms(sp.Sum)
    dloss = dloss.xreplace({total: 1 + rest}).xreplace({sp.exp(uk[k]): exp_u})
    return {
        "lse": print_array(log1p(rest), backend, {}),
        "loss": print_array(loss, backend, {uk: "U", yk: "Y"}),
        "dloss": print_array(dloss, backend, {uk: "U", yk: "Y"}),
    }


def _softmax_blocked_pieces(backend: str) -> dict[str, str]:
    """As _softmax_pieces, and exp(U) into the block's buffer (the one exp the block computes)."""
    atom, _ = _softmax_lse(derive_softmax_logits().current)
    (term,) = atom.args[0].atoms(sp.exp)
    exp_u = print_array(term, backend, {uk: "U"})
    assert exp_u == "np.exp(U)", exp_u  # the buffer below is passed to this one call
    return {"exp_u": "np.exp(U, out=E) if E is not None else np.exp(U)", **_softmax_pieces(backend)}


def _docstring(
    name: str, record: Backend, provenance: list[Provenance], formulas: str, accuracy: list[str]
) -> str:
    backend = record.name
    forms = EXPORTS[name].driver
    driver = f"{forms.weights} and {forms.bias}"
    lines = [f"{name}: loss and gradient, generated by xent_symbolic {__version__} ({backend} backend).", ""]
    lines.append("Generated from these derivations (verdict of `xent check` at generation time):")
    for p in provenance:
        lines.append(f"  {p.name:<32} {p.status:<7} {templates.steps_text(p.steps)}  {p.title}")
    lines += [
        "",
        f"Regenerate with `xent export {name} --backend {backend} -o FILE.py`; do not edit by hand.",
        "Printed from the derivations: the elementwise functions, the weighting and penalty terms, and the logits",
        f"and the gradient's matrix products (from the matrix forms of {driver}).",
        f"Written by hand: the driver around them (the input checks; {record.skeleton.says}).",
        "",
    ]
    lines += [*accuracy, ""]
    lines.append(formulas.strip("\n"))
    return '"""' + "\n".join(lines) + '\n"""'


#: the labels a linear model admits, by the domain of y in its stable derivations:
#: (what y is, the condition every y_i meets in array code, the error message)
_LABELS: dict[sp.Set, tuple[str, str, str]] = {
    sp.Interval(0, 1): ("labels in [0, 1]", "(y >= 0) & (y <= 1)", "y must lie in [0, 1]"),
    sp.FiniteSet(0, 1): ("labels 0 or 1", "(y == 0) | (y == 1)", "y must be 0 or 1"),
    sp.Interval(0, sp.oo): ("counts >= 0", "(y >= 0) & @isfinite@(y)", "y must be a finite count >= 0"),
    sp.S.Reals: ("targets", "@isfinite@(y)", "y must be finite"),
}


def _interval_text(domain: sp.Interval) -> tuple[str, str, str]:
    """(low, high, '(0, 1)') of an interval, as Python source."""
    low = "float('-inf')" if domain.inf is sp.S.NegativeInfinity else repr(float(domain.inf))
    high = "float('inf')" if domain.sup is sp.S.Infinity else repr(float(domain.sup))
    ends = (
        "-inf" if domain.inf is sp.S.NegativeInfinity else f"{float(domain.inf):g}",
        "inf" if domain.sup is sp.S.Infinity else f"{float(domain.sup):g}",
    )
    text = f"{'(' if domain.left_open else '['}{ends[0]}, {ends[1]}{')' if domain.right_open else ']'}"
    return low, high, text


def _hyperparameter_domains(model: Export) -> list[tuple[str, float, str, str, str]]:
    """(name, default, low, high, interval text) of each hyperparameter, the interval from the assumptions."""
    assumptions = _stable(model.loss).assumptions
    rows = []
    for symbol, (name, default) in zip(_hyperparameter_symbols(model), model.defaults, strict=False):
        low, high, text = _interval_text(assumptions.domain_of(symbol))
        rows.append((name, default, low, high, text))
    return rows


def _regularisation_pieces(
    backend: str, parameter: str = "w", weight: str = "sb", dloss: str = "g"
) -> dict[str, str]:
    """The weighting and penalty code of a linear export, printed from the checked regularised-objective
    (its WeightedMean and AddL2Penalty steps) and l2-penalty-gradient derivations: the weighted summand
    s_i l_i, its derivative in l_i times g_i, the penalty (lambda/2) sum_j w_j^2 and its gradient lambda w_k."""
    from ..catalog.notation import i, j, k, w
    from ..catalog.regularised import (
        PENALTY,
        WEIGHTING,
        derive_l2_penalty_gradient,
        derive_regularised_objective,
        ell,
        lam,
    )

    objective, gradient = derive_regularised_objective(), derive_l2_penalty_gradient()
    for derivation in (objective, gradient):
        status = check(derivation, budget=_CHECK_BUDGET).status.value
        assert status == "proved", f"{derivation.name} is {status}: the exports print only proved steps"
    (weighted,) = [st.after for st in objective.steps if st.rule == WEIGHTING]
    (penalised,) = [st.after for st in objective.steps if st.rule == PENALTY]
    total = weighted * WEIGHTING.count
    assert isinstance(total, sp.Sum), total
    summand = total.function
    g = sp.IndexedBase("g", real=True)
    dsummand = sp.diff(summand, ell[i]) * g[i]
    (penalty_sum,) = [a for a in (penalised - weighted).atoms(sp.Sum)]
    squares = sp.Symbol("squares", nonnegative=True)
    penalty = (penalised - weighted).xreplace({penalty_sum: squares})
    l2 = sp.Symbol("l2", nonnegative=True)
    arrays = {WEIGHTING.weight: "sb", ell: "l", g: dloss, w: parameter}
    squares_text = "(" + print_array(penalty_sum.function.xreplace({j: k}), backend, arrays) + ").sum()"
    return {
        "wloss": print_array(summand, backend, arrays),
        "wgrad": print_array(dsummand, backend, {**arrays, WEIGHTING.weight: weight}),
        "penalty": print_array(penalty.xreplace({lam: l2}), backend, {**arrays, squares: squares_text}),
        "dpenalty": print_array(gradient.current.xreplace({lam: l2}), backend, arrays),
    }


def _linear_pieces(model: Export, record: Backend) -> dict[str, str]:
    """The placeholders of a linear model's driver: its labels' check, its hyperparameters and signature."""
    label_domain = _stable(model.loss).assumptions.domain_of(y)
    what, ok, message = _LABELS[label_domain]
    domains = _hyperparameter_domains(model)
    names = ", ".join(name for name, *_ in domains)
    if domains:
        checks = "\n".join(
            f'        _hyperparameter("{name}", {name}, {low}, {high}, "{text}"),'
            for name, _, low, high, text in domains
        )
        traced = "    if not _concrete(value):\n        return value  # traced (jax.jit): not checked\n"
        helper = fill(
            templates.HYPERPARAMETER_HELPER,
            {"names": names, "checks": checks, "traced": traced if record.jit else ""},
        )
        signature = ", *, " + ", ".join(f"{name}={default!r}" for name, default, *_ in domains)
        hyper = f"_hyperparameters({names})"
    else:
        helper, signature, hyper = "", ", *", "()"
    return {
        "hyperparameters": helper,
        "signature": signature + ", sample_weight=None, l2=0.0",
        "hyper_args": f", *{hyper}" if domains else "",
        "hyper": hyper,
        "what": what,
        "ok": fill(ok, {"isfinite": record.isfinite}),
        "message": message,
        "mean": model.mean,
    }


def _skeleton(name: str, record: Backend) -> str:
    """The module body: the elementwise functions printed from the checked derivations, in the backend's
    hand-written driver, every placeholder filled (fill raises on one without a value)."""
    model = LINEAR_MODELS.get(name)
    skeleton = record.skeleton
    values = dict(record.spellings)
    if model is not None:
        values |= _regularisation_pieces(record.name) | _linear_pieces(model, record)
        pointwise, driver = _pointwise_functions(model, record.name), skeleton.linear
    else:  # W for w, the per-example weight as a column sbc on the rows of G = dl/dZ
        values |= _regularisation_pieces(record.name, parameter="W", weight="sbc", dloss="G")
        pieces = _softmax_pieces if skeleton.kind == "vectorised" else _softmax_blocked_pieces
        values |= pieces(record.name)
        pointwise, driver = "", skeleton.softmax
    kind = "linear" if model is not None else "softmax"
    values |= driver_lines(kind, record.name, X=skeleton.rows, residual="g" if model is not None else "G")
    helpers = record.helpers if skeleton.kind == "vectorised" else ""  # the blocked driver has its own
    parts = (fill(skeleton.common, values), helpers, pointwise, fill(driver, values))
    return "\n\n\n".join(part.strip("\n") for part in parts if part.strip())


def _expression_text(derivation: Derivation) -> str:
    """The expression a derivation arrives at before its overflow-free steps (those are printed below it)."""
    text = before_overflow_free(derivation)
    return str(text.doit() if isinstance(text, sp.Derivative) else text)


def _gradient_source(model: Export) -> str:
    """Where the header's dJ/dw comes from: the matrix forms the driver prints, and the model's own if it has."""
    names = dict.fromkeys((model.driver.weights, model.driver.bias, *model.matrix_form))
    return f"{', '.join(names)}, matrix form"


def _linear_formulas(model: Export) -> str:
    loss = _stable(model.loss)
    dloss = _stable(model.dloss)
    kinds = {type(s.rule) for d in (loss, dloss) for s in d.steps}
    what, _, message = _LABELS[loss.assumptions.domain_of(y)]
    lines = [
        "Formulas (i = 1..n examples, j = 1..d features)",
        "  z_i    = sum_j X_ij w_j + b                   (z = X @ w + b)",
        f"  l_i    = {_expression_text(loss)}   ({model.loss}, at z = z_i, y = y_i)",
        f"  g_i    = dl_i/dz_i = {_expression_text(dloss)}   ({model.dloss})",
    ]
    if OverflowFreeSoftplus in kinds:
        lines.append("  softplus(x) = max(x, 0) + log1p(exp(-|x|))     (overflow-free)")
    if OverflowFreeSigmoid in kinds:
        lines.append("  sigmoid(x)  = exp(min(x, 0)) / (1 + exp(-|x|)) (overflow-free)")
    lines += [
        "  J      = (1/n) sum_i l_i",
        f"  dJ/dw  = (1/n) X^T g,   dJ/db = (1/n) 1^T g   ({_gradient_source(model)})",
        "  with sample_weight=s and l2=lambda (regularised-objective, l2-penalty-gradient; the bias is not penalised):",
        "  J      = (1/n) sum_i s_i l_i + (lambda/2) ||w||^2    (divided by n, not sum_i s_i, as sklearn's objective)",
        "  dJ/dw  = (1/n) X^T (s g) + lambda w,   dJ/db = (1/n) sum_i s_i g_i",
    ]
    domains = _hyperparameter_domains(model)
    if domains:
        lines += ["", "Hyperparameters (keyword-only, checked against the derivations' assumptions)"]
        lines += [f"  {name} = {default!r} by default, in {text}" for name, default, _, _, text in domains]
    lines += [
        "",
        "Inputs",
        "  X  float32 or float64 array (n, d); the computation runs in X's dtype",
        f"  y  {what} (n,); bool and integer arrays are accepted",
        "  w  weights (d,); b  bias, a scalar",
        f"Errors: InputError (a ValueError) for a wrong shape or dtype, y outside its domain ({message}),",
        "nan or inf in w or b" + (", a hyperparameter outside its interval." if domains else "."),
        "nan or inf in X is not checked (it would cost a pass over X): it propagates into the loss and gradient.",
    ]
    if model.module == "poisson":
        lines.append(
            "exp(z) overflows to inf beyond z ~ 709 (float64) or ~ 88 (float32): there the true loss exceeds the"
        )
        lines.append("largest float, so inf is the correctly rounded answer, not an artefact of the formula.")
        lines.append(
            "g = exp(z) - y cancels near its zero (exp(z) ~ y): there it is accurate to its conditioning,"
        )
        lines.append(
            "|error| <= a few eps (exp(z) + y), not relatively; the loss itself has no such cancellation."
        )
    return "\n".join(lines) + "\n"


def module_source(name: str, backend_name: str = "numpy") -> str:
    """The source of a standalone module with `loss`, `grad` and `loss_and_grad` for catalog entry `name`
    (an alias in ALIASES gives its export's module)."""
    name = ALIASES.get(name, name)
    if name not in EXPORTABLE:
        raise did_you_mean(name, (*EXPORTABLE, *ALIASES), "exportable derivation")
    record = backend(backend_name)
    model = LINEAR_MODELS.get(name)
    forms = EXPORTS[name].driver  # the header's formulas cite the driver's and the regularisation's too
    listed = tuple(dict.fromkeys((*EXPORTS[name].listed, forms.weights, forms.bias, *_REGULARISATION)))
    provenance = [_provenance(CATALOG[entry].build()) for entry in listed]
    provenance += [_provenance(_stable(s)) for s in EXPORTABLE[name]]
    if name == "logistic-regression":
        formulas = templates.BINARY_FORMULAS
    elif model is not None:
        formulas = _linear_formulas(model)
    else:
        formulas = templates.SOFTMAX_FORMULAS
    body = _skeleton(name, record)
    imports = "\n\n".join(lines for lines in (record.skeleton.imports, record.imports) if lines)

    def source(accuracy: list[str]) -> str:
        header = _docstring(name, record, provenance, formulas + record.notes, accuracy)
        return (
            f"{header}\n\nfrom __future__ import annotations\n\n{imports}\n\n"
            f'__all__ = ["loss", "grad", "loss_and_grad", "InputError"]\n\n\n{body.strip()}\n'
        )

    if not record.available():
        return source(
            [
                f"Max relative error: not measured ({record.package} is not installed where this was generated)."
            ]
        )
    measured = measure(EXPORTS[name], load_module(source([]), f"{name} --backend {backend_name}"))
    return source(accuracy_text(EXPORTS[name], measured))
