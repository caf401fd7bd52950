"""Export any checked derivation: its final scalar loss and the gradient by each parameter, as array code.

The final expression (index form: sums from 1 to a size, entries of arrays) goes through the stable rewrite
pass (stable_rules.STABLE_PASS: primitive forms, log-sigmoid, 1 - sigma, softplus, log1p, expm1), each rewrite
a recorded step; the gradient by each parameter is derived by differentiation (gradient.EvaluateDerivative,
deltas collapsed) and goes through the same pass; every one of these derivations is checked. The expressions are printed by the
index printer into the general driver (input checks written over each backend's helpers). At generation time
the functions are evaluated at random admissible points against a 50-digit evaluation (reference.settled) of
these proved forms (of the derivation's own expressions where a form is not proved); the largest relative error
goes into the module's header.
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import random
import types
from dataclasses import dataclass, replace

import mpmath
import numpy as np
import sympy as sp

from .._version import __version__
from ..check import check
from ..core import Derivation, Name, Status
from ..errors import InputError
from ..evidence import sample_value
from ..gradient import EvaluateDerivative
from ..stable_rules import STABLE_PASS
from .backends import Backend, backend
from .fill import fill
from .index_printer import IndexPrinter, UnprintableError
from .loading import as_numpy, load_module
from .printer import shared_subexpressions
from .reference import DIGITS, WORKING_DIGITS, UnsettledReference, settled
from .templates import steps_text

__all__ = [
    "Argument",
    "GeneralExport",
    "Measured",
    "NotExportable",
    "accuracy_text",
    "derivation_module",
    "derivation_of",
    "general_source",
    "measure_accuracy",
    "prepare_export",
]

#: seconds per obligation when the derived steps are checked
_CHECK_BUDGET = 10.0
#: random admissible points, sizes drawn from SIZES, of the generation-time accuracy measurement
POINTS, SIZES = 8, (1, 2, 3, 4)
#: names the gradient's free indices take, the first not used by the derivation
_OUTPUT_INDICES = ("k", "l", "q", "r", "s", "t", "u", "v")


class NotExportable(InputError):
    """A derivation whose final expression cannot be exported; the message says why, in one line."""


@dataclass(frozen=True)
class Argument:
    """An input of the generated functions: a scalar Symbol or an array IndexedBase with one size per axis."""

    name: str
    atom: sp.Basic
    shape: tuple[sp.Symbol, ...]
    domain: sp.Set
    parameter: bool


@dataclass(frozen=True)
class GeneralExport:
    """Everything a module of a derivation is printed from."""

    name: str
    title: str
    source_status: str
    source_steps: int
    loss: Derivation
    gradients: tuple[tuple[Argument, tuple[sp.Symbol, ...], Derivation], ...]
    arguments: tuple[Argument, ...]
    sizes: tuple[tuple[sp.Symbol, str, int], ...]  # size, the argument whose axis it is, the axis
    verdicts: tuple[str | None, ...]  # the checker's verdict on each derived form (None: no steps)

    @property
    def derived(self) -> tuple[Derivation, ...]:
        return (self.loss, *(d for _, _, d in self.gradients))


def _stable_pass(derivation: Derivation) -> Derivation:
    for rule in STABLE_PASS:
        if rule.rewrite(derivation.current, derivation.assumptions) != derivation.current:
            derivation = derivation.apply(rule)
    return derivation


def _shapes(expr: sp.Expr, name: str) -> dict[sp.IndexedBase, tuple[sp.Symbol, ...]]:
    """The size of every axis of every array in `expr`, read off the sums that bind its subscripts."""
    shapes: dict[sp.IndexedBase, tuple[sp.Symbol, ...]] = {}

    def walk(e: sp.Basic, bound: dict[sp.Symbol, sp.Expr]) -> None:
        if isinstance(e, (sp.Sum, sp.Product)):
            inner = dict(bound)
            for index, low, high in e.limits:
                if low != 1 or not (isinstance(high, sp.Symbol) and high.is_integer and high.is_positive):
                    raise NotExportable(
                        f"{name}: only sums from 1 to a size are exported, not {index} = {low}..{high}"
                    )
                inner[index] = high
            walk(e.function, inner)
            return
        if isinstance(e, sp.Indexed):
            sizes = []
            for index in e.indices:
                if index not in bound:
                    raise NotExportable(
                        f"{name}: the final expression has the free index {index} in {e}: it is one entry, not a "
                        "scalar loss; sum over it"
                    )
                sizes.append(bound[index])
            if shapes.setdefault(e.base, tuple(sizes)) != tuple(sizes):
                raise NotExportable(f"{name}: {e.base} is summed over two different ranges")
            return
        for a in e.args:
            walk(a, bound)

    walk(expr, {})
    return shapes


def _check_final(derivation: Derivation) -> sp.Expr:
    name, final = derivation.name, derivation.current
    if not isinstance(final, sp.Expr) or final.is_Relational:
        raise NotExportable(f"{name}: the final expression {final} is not a scalar formula")
    if any(isinstance(e, (sp.MatrixExpr, sp.MatrixBase)) for e in sp.preorder_traversal(final)):
        raise NotExportable(
            f"{name}: the final expression is in matrix form ({final}), not a scalar loss in index form; export "
            "the derivation of the loss itself"
        )
    for kind in (sp.Derivative, sp.Integral, sp.Subs, sp.Limit):
        if final.has(kind):
            raise NotExportable(
                f"{name}: the final expression has an unevaluated {kind.__name__}; evaluate it first"
            )
    return derivation.assumptions.expand_definitions(final)


def prepare_export(derivation: Derivation) -> GeneralExport:
    """The derived, checked forms a module of `derivation` is printed from; NotExportable says why not."""
    name = derivation.name
    checked = check(derivation, budget=_CHECK_BUDGET)
    if checked.status is Status.REFUTED:
        bad = next(k for k, s in enumerate(checked.steps, 1) if s.status is Status.REFUTED)
        raise NotExportable(f"{name}: step {bad} is refuted; fix the derivation before exporting it")
    final = _check_final(derivation)
    assumptions = derivation.assumptions
    shapes = _shapes(final, name)
    parameters = [p for p in assumptions.parameters if final.has(p)]
    if not parameters:
        raise NotExportable(
            f"{name}: the final expression depends on no declared parameter; declare what varies"
        )
    size_symbols = {s for shape in shapes.values() for s in shape}
    arguments = []
    labels = {base.label for base in shapes}
    scalars = {s for s in final.free_symbols if isinstance(s, sp.Symbol)} - size_symbols - labels
    taken_names: set[str] = set()
    for atom in sorted((*shapes, *scalars), key=str):
        argument_name = python_name(str(atom), taken_names)
        taken_names.add(argument_name)
        arguments.append(
            Argument(
                argument_name, atom, shapes.get(atom, ()), assumptions.domain_of(atom), atom in parameters
            )
        )
    names = [a.name for a in arguments]
    clash = [s.name for s in size_symbols if s.name in names or s.name in reserved_names()]
    clash += [n for n in names if not n.isidentifier()]
    if clash or len(set(names)) != len(names):
        raise NotExportable(f"{name}: the names {clash or names} cannot all be Python arguments; rename them")
    arguments.sort(key=lambda a: (not a.parameter, parameters.index(a.atom) if a.parameter else 0, a.name))
    sizes = []
    for size in sorted(size_symbols, key=str):
        owner = next(a for a in arguments if size in a.shape)
        sizes.append((size, owner.name, owner.shape.index(size)))
    loss = _stable_pass(
        Derivation(f"{name}-stable", f"{derivation.title}: stable form", final, assumptions, Name("J", "J"))
    )
    taken = {symbol.name for symbol in final.atoms(sp.Symbol)}  # free and bound: no output index may clash
    free = [sp.Symbol(c, integer=True, positive=True) for c in _OUTPUT_INDICES if c not in taken]
    gradients = []
    for argument in (a for a in arguments if a.parameter):
        indices = tuple(free[: len(argument.shape)])
        entry = argument.atom[indices] if indices else argument.atom
        ranges = tuple((index, sp.S.One, size) for index, size in zip(indices, argument.shape, strict=True))
        grad_assumptions = replace(assumptions, indices=(*assumptions.indices, *ranges))
        start_name = Name(f"dJ/d{entry}", rf"\frac{{\partial J}}{{\partial {sp.latex(entry)}}}")
        gradient = Derivation(
            f"{name}-gradient-{argument.name}",
            f"{derivation.title}: the gradient by {argument.name}",
            sp.Derivative(loss.current, entry),  # the stable form's: softplus' = sigmoid, not exp/(1 + exp)
            grad_assumptions,
            start_name,
        ).apply(EvaluateDerivative(entry, f"differentiate by {entry}, deltas collapsed"), name=start_name)
        gradients.append((argument, indices, _stable_pass(gradient)))
    derived = (loss, *(d for _, _, d in gradients))
    verdicts = tuple(check(d, budget=_CHECK_BUDGET).status if d.steps else None for d in derived)
    for form, verdict in zip(derived, verdicts, strict=True):
        if verdict is Status.REFUTED:
            raise NotExportable(f"{form.name}: a derived step is refuted (a bug: please report it)")
    return GeneralExport(
        name,
        derivation.title,
        checked.status.value,
        len(derivation.steps),
        loss,
        tuple(gradients),
        tuple(arguments),
        tuple(sizes),
        tuple(None if v is None else v.value for v in verdicts),
    )


# --- the module ---------------------------------------------------------------------------------------------

_DRIVER = '''
class InputError(ValueError):
    """An input with the wrong shape, dtype or values."""


@helpers@


def _input(name, value, ndim):
    value = _array(value)
    if value.ndim != ndim:
        raise InputError(f"{name} must be a {ndim}-D array, got shape {tuple(value.shape)}")
    if not _numeric(value):
        raise InputError(f"{name} must be numeric, got dtype {_dtype(value)}")
    return value


def _scalar(name, value):
    try:
        return None if isinstance(value, (str, bytes)) else float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number, got {value!r}") from None


def _within(name, value, ok, what):
    """InputError at the first entry of value where ok is False."""
    if _concrete(value) and _any(~ok):
        where = _first(~ok)
        raise InputError(f"{name} must be {what}, got {name}{list(where)} = {_text(value[where])}")


def _inputs(@signature@):
    """The arguments as arrays of one floating dtype, their shapes and values checked."""
@checks@
    return @names@


@jit@
def _loss(@signature@):
@loss_body@
    return @loss@


@jit@
def _grad(@signature@):
@grad_body@
    return (@grads@,)


def loss(@signature@):
    """J, a scalar: @title@."""
    return _loss(*_inputs(@names@))


def grad(@signature@):
    """The gradient by each parameter (@parameters@), in that order, each of its parameter's shape."""
    return _grad(*_inputs(@names@))


def loss_and_grad(@signature@):
    """(J, (the gradient by each parameter))."""
    arrays = _inputs(@names@)
    return _loss(*arrays), _grad(*arrays)
'''


#: the names _checks assigns in _inputs, beside the arguments
_CHECK_LOCALS = ("floating", "reference")

#: the prefix of the common subexpressions' names in _loss and _grad (an argument never takes one: python_name)
_TEMPORARY = "_t"


@functools.cache
def reserved_names() -> frozenset[str]:
    """The names an argument or size of a generated module must not take: Python's keywords and builtins, the
    module-level names of every backend's module (imports, helpers, the driver's functions: an argument `np`
    would hide NumPy inside the functions) and the names the functions taking the arguments assign beside them
    (one named `reference` would be overwritten by _inputs). A helper's own parameters and locals do not count."""
    from .backends import BACKENDS

    marker = "the_arguments"  # the signature: it tells the functions that take the user's arguments
    stub = dict.fromkeys(("title", "parameters", "jit", "helpers"), "")
    stub.update(signature=marker, names=marker, loss="0", grads="0", checks="    pass")
    stub.update(loss_body="    pass", grad_body="    pass")
    driver = ast.parse(fill(_DRIVER, stub)).body
    names = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins)) | set(_CHECK_LOCALS)
    modules = [ast.parse(record.imports + record.helpers).body for record in BACKENDS.values()]
    for statement in driver + [s for module in modules for s in module]:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in statement.names)
        elif isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    for function in driver:
        if isinstance(function, ast.FunctionDef) and marker in [a.arg for a in function.args.args]:
            stores = (
                n for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            )
            names.update(n.id for n in stores)
    return frozenset(names)


def python_name(name: str, taken: set[str]) -> str:
    """`name` as a generated module's argument: a trailing underscore for a reserved name (`lambda_`, PEP 8's
    spelling), one more while it is taken or is a common subexpression's name (_t0, _t1, ...)."""
    while name in reserved_names() or name in taken or _is_temporary(name):
        name += "_"
    return name


def _is_temporary(name: str) -> bool:
    return name.startswith(_TEMPORARY) and name[len(_TEMPORARY) :].isdigit()


def _domain_words(domain: sp.Set) -> str | None:
    """What a value of `domain` must be, in an error message: 'one of {0, 1}', 'finite and in (0, 1)'; None
    where the driver does not check the set."""
    if isinstance(domain, sp.FiniteSet) and all(v.is_number for v in domain):
        return f"one of {{{', '.join(map(str, sorted(domain)))}}}"
    if isinstance(domain, sp.Interval):
        low = "-inf" if domain.inf == -sp.oo else f"{float(domain.inf):g}"
        high = "inf" if domain.sup == sp.oo else f"{float(domain.sup):g}"
        return f"finite and in {'(' if domain.left_open else '['}{low}, {high}{')' if domain.right_open else ']'}"
    return None


def _condition(name: str, domain: sp.Set, isfinite: str | None) -> str:
    """The test that `name` lies in `domain` (a set _domain_words describes): elementwise over an array with
    the backend's `isfinite`, or on a Python float (isfinite None)."""
    scalar = isfinite is None
    if isinstance(domain, sp.FiniteSet):
        return (" or " if scalar else " | ").join(f"({name} == {float(v)!r})" for v in sorted(domain))
    parts = [f"(abs({name}) < float('inf'))" if scalar else f"{isfinite}({name})"]
    if domain.inf != -sp.oo:
        parts.append(f"({name} {'>' if domain.left_open else '>='} {float(domain.inf)!r})")
    if domain.sup != sp.oo:
        parts.append(f"({name} {'<' if domain.right_open else '<='} {float(domain.sup)!r})")
    return (" and " if scalar else " & ").join(parts)


def _shape_text(shape: tuple[sp.Symbol, ...]) -> str:
    """An array's shape as a Python tuple of its sizes: '(n,)', '(n, K)'."""
    return f"({', '.join(map(str, shape))}{',' if len(shape) == 1 else ''})"


def _size_lines(export: GeneralExport) -> list[str]:
    """Each size read off the shape of the argument it is an axis of: '    n = p.shape[0]'."""
    return [f"    {size} = {owner}.shape[{axis}]" for size, owner, axis in export.sizes]


def _checks(export: GeneralExport, record: Backend) -> str:
    """The body of _inputs: arrays read, one floating dtype, sizes read and matched, values checked."""
    lines = []
    arrays = [a for a in export.arguments if a.shape]
    for a in arrays:
        lines.append(f'    {a.name} = _input("{a.name}", {a.name}, {len(a.shape)})')
    if arrays:  # one floating dtype: the first floating array's; all integer: the first array's times 1.0
        candidates = ", ".join(a.name for a in arrays)
        floating, reference = _CHECK_LOCALS
        lines.append(f'    {floating} = [v for v in ({candidates},) if _dtype(v) in ("float32", "float64")]')
        lines.append(f"    {reference} = {floating}[0] if {floating} else {arrays[0].name} * 1.0")
        lines += [f"    {a.name} = _cast({a.name}, {reference})" for a in arrays]
    lines += _size_lines(export)
    for a in arrays:
        expected = _shape_text(a.shape)
        lines.append(f"    if tuple({a.name}.shape) != {expected}:")
        lines.append(
            f'        raise InputError(f"{a.name} must have shape {expected} = {{{expected}}} to match the '
            f'other arguments, got {{tuple({a.name}.shape)}}")'
        )
    for a in export.arguments:
        if not a.shape:
            lines.append(f'    {a.name} = _scalar("{a.name}", {a.name})')
        words = _domain_words(a.domain)
        if words is None:
            continue
        if a.shape:
            ok = _condition(a.name, a.domain, record.isfinite)
            lines.append(f'    _within("{a.name}", {a.name}, {ok}, "{words}")')
        else:
            lines.append(f"    if not ({_condition(a.name, a.domain, None)}):")
            lines.append(
                f'        raise InputError(f"{a.name} must be {words}, got {a.name} = {{{a.name}!r}}")'
            )
    for a in export.arguments:  # a checked scalar as the backend's array (torch functions take no floats)
        if not a.shape:
            lines.append(
                f"    {a.name} = "
                + (f"_cast(_array({a.name}), {_CHECK_LOCALS[1]})" if arrays else f"_array({a.name})")
            )
    return "\n".join(lines)


def _bound_symbols(exprs: list[sp.Expr]) -> set[sp.Symbol]:
    """Every symbol the expressions use as an index: of a sum or product, of an entry, of a delta."""
    found: set[sp.Symbol] = set()
    for expr in exprs:
        for e in sp.preorder_traversal(expr):
            if isinstance(e, (sp.Sum, sp.Product)):
                found |= {limit[0] for limit in e.limits}
            elif isinstance(e, sp.Indexed):
                found |= {s for index in e.indices for s in index.free_symbols}
            elif isinstance(e, sp.KroneckerDelta):
                found |= e.free_symbols
    return found


def _printed(export: GeneralExport, record: Backend) -> tuple[list[str], str, list[str], list[str]]:
    """(_loss's assignments, its result, _grad's assignments, its results): the loss and the gradients with their
    common subexpressions computed once each, none of them a term with an index (it stays in its sum)."""
    arrays = {a.atom: a.name for a in export.arguments}
    sizes = {size: str(size) for size, _, _ in export.sizes}
    gradients = [derivation.current for _, _, derivation in export.gradients]
    ignore = tuple(_bound_symbols([export.loss.current, *gradients]) | set(sizes))

    def shared(exprs):
        assignments, reduced = shared_subexpressions(exprs, record.name, _TEMPORARY, ignore)
        names = {**arrays, **{symbol: symbol.name for symbol, _ in assignments}}
        lines = [
            f"    {symbol} = {IndexPrinter(record.name, names, sizes, ()).print(value).code}"
            for symbol, value in assignments
        ]
        return lines, reduced, names

    try:
        loss_lines, (loss_form,), names = shared([export.loss.current])
        loss = IndexPrinter(record.name, names, sizes, ()).print(loss_form)
        if loss.axes:
            raise NotExportable(f"{export.name}: the loss keeps the free indices {loss.axes}")
        grad_lines, forms, names = shared(gradients)
        grads = []
        for (argument, indices, derivation), form in zip(export.gradients, forms, strict=True):
            printer = IndexPrinter(record.name, names, sizes, indices)
            printed = printer.print(form)
            if not set(printed.axes) <= set(indices):
                raise NotExportable(f"{derivation.name}: the gradient keeps the free indices {printed.axes}")
            code = printer.align(printed, indices)
            grads.append(f"({code}) + 0 * {argument.name}")  # the parameter's shape and dtype, always
    except UnprintableError as error:
        raise NotExportable(f"{export.name}: {error}") from None
    return loss_lines, loss.code, grad_lines, grads


def _formulas(export: GeneralExport) -> list[str]:
    lines = ["Formulas (as derived; the code computes the stable forms)", f"  J = {export.loss.start}"]
    for argument, indices, derivation in export.gradients:
        entry = f"{argument.name}[{', '.join(map(str, indices))}]" if indices else argument.name
        lines.append(f"  dJ/d{entry} = {derivation.steps[0].after}")
    lines += ["", "Inputs"]
    for a in export.arguments:
        shape = _shape_text(a.shape) if a.shape else "a scalar"
        where = _domain_words(a.domain) or f"in {a.domain} (not checked)"
        lines.append(f"  {a.name:<8} {shape}, {where}{'  (a parameter)' if a.parameter else ''}")
    lines.append("Errors: InputError (a ValueError) for a wrong shape or dtype, or a value outside its set.")
    return lines


def general_source(export: GeneralExport, backend_name: str, accuracy: str = "not measured") -> str:
    """The module of `export` for `backend_name`, its header quoting `accuracy`."""
    record = backend(backend_name)
    loss_lines, loss, grad_lines, grads = _printed(export, record)
    status = [
        f"  {export.name:<40} {export.source_status:<7} {steps_text(export.source_steps)}  {export.title}"
    ]
    for derivation, verdict in zip(export.derived, export.verdicts, strict=True):
        if verdict is not None:
            rules = ", ".join(s.rule.name for s in derivation.steps)
            status.append(
                f"  {derivation.name:<40} {verdict:<7} {steps_text(len(derivation.steps))}  ({rules})"
            )
    names = ", ".join(a.name for a in export.arguments)
    header = [
        f"{export.name}: loss and gradient, generated by xent_symbolic {__version__} ({record.name} backend).",
        "",
        "Generated from the derivation and the forms derived from it (verdict of the checker at generation time):",
        *status,
        "",
        f"Max relative error at generation time: {accuracy}.",
        "Printed from the derivations: the loss and gradient expressions. Written by hand: the driver around them",
        "(the input checks; one vectorised pass).",
        *(
            [
                "dask: a derivation of your own reads its inputs into memory through NumPy (dask arrays are computed",
                "first); the row-chunked pass is the catalog's linear and softmax models'.",
            ]
            if record.skeleton.kind == "chunked"
            else []
        ),
        "",
        *_formulas(export),
    ]
    sizes = _size_lines(export)
    body = fill(
        _DRIVER,
        {
            "helpers": record.helpers.strip("\n"),
            "signature": names,
            "names": names + ("," if len(export.arguments) == 1 else ""),
            "checks": _checks(export, record),
            "loss_body": "\n".join(sizes + loss_lines),
            "grad_body": "\n".join(sizes + grad_lines),
            "loss": loss,
            "grads": ", ".join(grads),
            "jit": record.jit,
            "title": export.title.replace('"', "'"),
            "parameters": ", ".join(a.name for a, _, _ in export.gradients),
        },
    )
    return (
        '"""' + "\n".join(header) + '\n"""\n\nfrom __future__ import annotations\n\n'
        f"{record.imports}\n\n"
        '__all__ = ["loss", "grad", "loss_and_grad", "InputError"]\n\n\n' + body.strip("\n") + "\n"
    )


# --- the accuracy at generation time ------------------------------------------------------------------------


def _admissible(value: float, domain: sp.Set) -> bool:
    return bool(np.isfinite(value)) and bool(domain.contains(sp.Rational(value)))


def _draw(domain: sp.Set, rng: random.Random, dtype: str = "float64") -> float:
    """A value of `domain` that `dtype` holds exactly (the domain's own sampler, rounded to `dtype`; a rounded
    value outside, such as 1 - 1e-9 rounded to 1.0 in float32, is drawn again)."""
    for _ in range(50):
        value = float(np.dtype(dtype).type(sample_value(domain, rng)))
        if _admissible(value, domain):
            return value
    raise NotExportable(f"no {dtype} value of {domain} was drawn in 50 tries")


def _reference(expr: sp.Expr, values: dict, sizes: dict) -> mpmath.mpf:
    """`expr` at the entries `values` and the sizes `sizes`, settled to DIGITS digits; nan where it does not
    settle (the point is left out and counted)."""
    concrete = expr.xreplace(sizes).doit()
    entries = tuple(sorted((a for a in values if concrete.has(a)), key=sp.default_sort_key))
    try:
        return settled(concrete, entries, tuple(values[a] for a in entries))
    except UnsettledReference:
        return mpmath.nan


def _relative(computed: float, exact: mpmath.mpf, dtype: str = "float64") -> float:
    """|computed - exact| / |exact| (inf where `computed` is nan or inf and `exact` is not); 0 where `computed`
    is `exact` rounded to `dtype`, also where that is inf or 0 (a true value past the largest float, or below the
    smallest, that the code returns as its rounding)."""
    computed = float(computed)
    with np.errstate(over="ignore"):
        rounded = float(np.dtype(dtype).type(float(exact)))
    if computed == rounded:
        return 0.0
    if not np.isfinite(computed):
        return float("inf")
    with mpmath.workdps(DIGITS):
        error = abs(mpmath.mpf(computed) - exact)
        return float(error / abs(exact)) if exact != 0 else float(error)


@dataclass(frozen=True)
class Measured:
    """The largest relative errors of a module's loss and gradient entries against the references, at `points`
    random admissible points, in `dtype`; `unsettled`: the values left out because their reference did not
    settle; `stable`: whether the references were the proved stable forms (else the derivation's own)."""

    loss: float
    gradient: float
    points: int
    dtype: str
    unsettled: int
    stable: bool


def _references(export: GeneralExport) -> tuple[sp.Expr, tuple[sp.Expr, ...], bool]:
    """(the loss's reference form, each gradient's, whether they are the stable forms): each derived form's
    final expression where its steps are proved (equal to the derivation's own, and free of the cancellations
    the stable pass removes: log(1 - sigma(z)) is log 0 at every precision tried for z = 1e5), else its first."""
    proved = all(v in (None, Status.PROVED.value) for v in export.verdicts)
    loss = export.loss.current if proved else export.loss.start
    grads = tuple(d.current if proved else d.steps[0].after for _, _, d in export.gradients)
    return loss, grads, proved


def measure_accuracy(export: GeneralExport, module: types.ModuleType, seed: int = 0) -> Measured:
    """The accuracy of `module` (float64 NumPy arrays in, its own arrays out; float32 values where the backend
    computes float64 inputs in float32) against a DIGITS-digit evaluation of the derivation's expressions at
    random admissible points."""
    rng = random.Random(seed)
    worst_loss = worst_grad = 0.0
    unsettled = 0
    dtype = str(as_numpy(module._array(np.zeros(1))).dtype)  # float32 where jax runs without jax_enable_x64
    loss_form, grad_forms, stable = _references(export)
    for _ in range(POINTS):
        sizes = {size: sp.Integer(rng.choice(SIZES)) for size, _, _ in export.sizes}
        arrays, exact = [], {}
        for a in export.arguments:
            dims = tuple(int(sizes[s]) for s in a.shape)
            array = np.array([_draw(a.domain, rng, dtype) for _ in range(int(np.prod(dims)))]).reshape(dims)
            arrays.append(array if dims else float(array))
            if dims:
                for position in np.ndindex(*dims):
                    exact[a.atom[tuple(sp.Integer(p + 1) for p in position)]] = sp.Rational(array[position])
            else:
                exact[a.atom] = sp.Rational(float(array))
        with np.errstate(all="ignore"):
            loss, grads = module.loss_and_grad(*arrays)
        pairs = [(as_numpy(loss), _reference(loss_form, exact, sizes), True)]
        for (argument, indices, _), form, computed in zip(export.gradients, grad_forms, grads, strict=True):
            value = as_numpy(computed)
            dims = tuple(int(sizes[s]) for s in argument.shape)
            for position in np.ndindex(*dims) if dims else [()]:
                at = {index: sp.Integer(p + 1) for index, p in zip(indices, position, strict=True)}
                pairs.append((value[position], _reference(form.xreplace(at), exact, sizes), False))
        for computed, reference, is_loss in pairs:
            if mpmath.isnan(reference):
                unsettled += 1
                continue
            error = _relative(computed, reference, dtype)
            if is_loss:
                worst_loss = max(worst_loss, error)
            else:
                worst_grad = max(worst_grad, error)
    return Measured(worst_loss, worst_grad, POINTS, dtype, unsettled, stable)


def accuracy_text(measured: Measured) -> str:
    m = measured
    forms = (
        "the derivation's expressions in their proved stable forms"
        if m.stable
        else "the derivation's own expressions"
    )
    left_out = (
        f"; {m.unsettled} values left out, their reference unsettled at {WORKING_DIGITS[-1]} digits"
        * bool(m.unsettled)
    )
    return (
        f"loss {m.loss:.1e}, gradient {m.gradient:.1e} against a {DIGITS}-digit evaluation of {forms} at "
        f"{m.points} random admissible points (sizes {SIZES[0]}..{SIZES[-1]}), computed in {m.dtype}{left_out}"
    )


def derivation_module(derivation: Derivation, backend_name: str = "numpy") -> tuple[str, GeneralExport]:
    """(module source, export) of any checked derivation; where the backend is installed the header carries
    the accuracy measured on the generated functions themselves."""
    export = prepare_export(derivation)
    source = general_source(export, backend_name)
    if not backend(backend_name).available():
        return source, export
    module = load_module(source, f"{derivation.name} --backend {backend_name}")
    worst = measure_accuracy(export, module)
    return general_source(export, backend_name, accuracy_text(worst)), export


def derivation_of(target: object) -> Derivation:
    """The derivation `target` names: a Derivation (or a checked one), a catalog entry's name, a derivation
    file FILE.xent, or MODULE:FUNCTION / FILE.py:FUNCTION, a function of no arguments returning a Derivation."""
    from ..check import CheckedDerivation

    if isinstance(target, CheckedDerivation):
        return target.derivation
    if isinstance(target, Derivation):
        return target
    text = str(target)
    if text.endswith(".xent"):
        from ..derivation_file import read_derivation_file

        return read_derivation_file(text).derivation
    if ":" in text:
        return _python_derivation(text)
    from ..catalog import get

    return get(text).build()


def _python_derivation(text: str) -> Derivation:
    import importlib
    import importlib.util
    import sys
    from pathlib import Path

    where, _, function = text.rpartition(":")
    if not where or not function.isidentifier():
        raise NotExportable(
            f"{text!r}: write MODULE:FUNCTION or FILE.py:FUNCTION, e.g. examples/own_likelihood.py:mae"
        )
    try:
        if where.endswith(".py"):
            spec = importlib.util.spec_from_file_location(Path(where).stem, where)
            if spec is None or not Path(where).is_file():
                raise NotExportable(f"{text!r}: there is no file {where}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)  # the user's own module, run as `python FILE.py` would import it
        else:
            if "" not in sys.path:
                sys.path.insert(0, "")  # MODULE is looked up from the working directory, as `python -m` does
            module = importlib.import_module(where)
    except ImportError as error:
        raise NotExportable(f"{text!r}: cannot import {where}: {error}") from None
    builder = getattr(module, function, None)
    if not callable(builder):
        raise NotExportable(f"{text!r}: {where} has no function {function}")
    derivation = builder()
    if not isinstance(derivation, Derivation):
        raise NotExportable(f"{text!r}: {function}() returned {type(derivation).__name__}, not a Derivation")
    return derivation
