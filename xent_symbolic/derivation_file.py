"""A derivation a user wrote: a FILE.xent of header lines and a chain of formulas, read into a Derivation.

    # a comment
    title: Binary cross-entropy from the Bernoulli likelihood
    shape: p:n, y:n
    domain: p:(0,1), y:{0,1}
    over: p
    L = prod(p**y * (1 - p)**(1 - y))
    log L = log(prod(p**y * (1 - p)**(1 - y)))   by log(t)
      = sum(y * log(p) + (1 - y) * log(1 - p))
    J = -sum(y * log(p) + (1 - y) * log(1 - p)) / n   by -t/n
    conclude: argmax_p L = argmin_p J

Formulas are array formulas (arrays.py: the safe parser, NumPy spelling); each must be a scalar. A line without
`by` claims equality with the line before; `by PHI` (an expression in t) claims EXPR = PHI(previous) and that PHI
is strictly monotone on the previous expression's range (an interval enclosure of it) and free of the `over:`
parameters. The direction is read off the proof: PHI is tried as increasing, then decreasing, by the checker's
derivative test; the step records the one proved (increasing when neither is, so the check says what failed).
Every step is a rules.Claim: the checker, not this module, decides it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from pathlib import Path

import sympy as sp

from .arrays import (
    ArrayNames,
    ArrayProblem,
    array_problem,
    free_names,
    parse_array_formula,
    parse_shape,
    readable,
    show_shape,
)
from .assumptions import Assumptions
from .bounds import enclose
from .check import DEFAULT_BUDGET, CheckedDerivation, check, monotone_relation, set_text
from .core import Derivation, Name, Relation, Status, Step
from .errors import InputError, ParseError, XentError
from .names import Phrase
from .parse import parse_domain, split_top_level
from .rules import Claim

__all__ = [
    "ConclusionCheck",
    "ConclusionLine",
    "DerivationFile",
    "DerivationFileError",
    "FileCheck",
    "check_derivation_file",
    "read_derivation_file",
]

HEADERS = ("title", "shape", "domain", "over", "conclude")
_BEFORE_CHAIN = ("shape", "domain", "over")
_T = sp.Symbol("t", real=True)
_MAX_BYTES = 200_000
_MAX_LINES = 2000
#: conclude: argmax_p A = argmin_p B, ... ; A = B
_CONCLUDE = re.compile(r"^(argmax|argmin)_(\S+)\s+(.+?)\s*=\s*(argmax|argmin)_(\S+)\s+(.+)$")


class DerivationFileError(InputError):
    """A derivation file that cannot be read: FILE:LINE:COLUMN: what is wrong and how to fix it."""


@dataclass(frozen=True)
class ConclusionLine:
    """The `conclude:` line: `left` and `right` are names of the chain; `kind` is 'argmax-argmin',
    'argmax-argmax', 'argmin-argmin' or 'equal'; `over` the parameters it names."""

    line: int
    kind: str
    left: str
    right: str
    over: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class DerivationFile:
    """The Derivation a file describes, with the file line of its start and of every step and the names."""

    path: str
    derivation: Derivation
    start_line: int
    step_lines: tuple[int, ...]
    names: tuple[str | None, ...]  # position 0 is the start, k the result of step k
    conclusion: ConclusionLine | None


class _Reader:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, line: int, column: int, what: str) -> DerivationFileError:
        return DerivationFileError(f"{self.path}:{line}:{column}: {what}")


def _name_latex(name: str) -> str:
    """'log L' -> '\\log L', '-log L' -> '-\\log L', 'J' -> 'J', 'L(w)' -> 'L(w)'."""
    words = []
    for word in name.split():
        sign, body = ("-", word[1:]) if word.startswith("-") else ("", word)
        words.append(sign + (f"\\{body}" if body in ("log", "exp") else body))
    return " ".join(words)


def _first_use(text: str, name: str) -> int:
    """The 0-based column where `name` first occurs in `text` as a whole word (0 if nowhere)."""
    found = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text)
    return found.start() if found else 0


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0].rstrip()


def _split_formula_line(text: str) -> tuple[str, str, str | None, int, int | None]:
    """'NAME = EXPR by PHI' -> (NAME, EXPR, PHI, column of EXPR, column of PHI); columns 0-based in `text`."""
    depth, equals = 0, None
    for k, char in enumerate(text):
        depth += (char in "([{") - (char in ")]}")
        if (
            char == "="
            and depth == 0
            and text[k - 1 : k] not in ("<", ">", "!", "=")
            and text[k + 1 : k + 2] != "="
        ):
            equals = k
            break
    if equals is None:
        raise ValueError("no '='")
    name, rest = text[:equals].strip(), text[equals + 1 :]
    expr_start = equals + 1 + (len(rest) - len(rest.lstrip()))
    depth, by = 0, None
    for match in re.finditer(r"\s+by\s+", rest):
        before = rest[: match.start()]
        depth = sum((c in "([{") - (c in ")]}") for c in before)
        if depth == 0:
            by = match
    if by is None:
        return name, rest.strip(), None, expr_start, None
    phi_start = equals + 1 + by.end()
    return name, rest[: by.start()].strip(), rest[by.end() :].strip(), expr_start, phi_start


def _shape_items(value: str) -> list[str]:
    """'X:n,d, y:n' -> ['X:n,d', 'y:n']: a piece without ':' continues the sizes of the one before."""
    items: list[str] = []
    for piece in value.split(","):
        if ":" in piece or not items:
            items.append(piece.strip())
        else:
            items[-1] += "," + piece.strip()
    return items


def read_derivation_file(path: str | Path, *, text: str | None = None) -> DerivationFile:
    """Read FILE.xent (or `text`, reported as `path`) into a DerivationFile; DerivationFileError, one line
    FILE:LINE:COLUMN: ..., for anything wrong in it."""
    path = str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise DerivationFileError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
        if len(raw) > _MAX_BYTES:
            raise DerivationFileError(f"{path} is {len(raw)} bytes, over the limit of {_MAX_BYTES}; split it")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DerivationFileError(
                f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
            ) from None
    reader = _Reader(path, text)
    if len(reader.lines) > _MAX_LINES:
        raise reader.fail(_MAX_LINES + 1, 1, f"the file has over {_MAX_LINES} lines; split it")
    return _Builder(reader).build()


class _Builder:
    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.title: str | None = None
        self.shapes: list[str] = []
        self.domains: list[str] = []
        self.over: list[tuple[str, int, int]] = []
        self.conclusion: tuple[int, int, str] | None = None
        self.formulas: list[tuple[int, str, str, str | None, int, int | None]] = []

    def fail(self, line: int, column: int, what: str) -> DerivationFileError:
        return self.reader.fail(line, column, what)

    def build(self) -> DerivationFile:
        for number, raw in enumerate(self.reader.lines, 1):
            line = _strip_comment(raw)
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            header = re.match(r"^\s*([A-Za-z_]\w*)\s*:(?!=)", line)
            if header and "=" not in line[: header.end()] and not line.lstrip().startswith("="):
                value = line[header.end() :]
                start = header.end() + len(value) - len(value.lstrip())  # 0-based column of the value
                self.header(number, header.group(1), value.strip(), start)
                continue
            try:
                name, expr, phi, expr_col, phi_col = _split_formula_line(line)
            except ValueError:
                raise self.fail(
                    number,
                    indent + 1,
                    "not a header (title:, shape:, domain:, over:, conclude:) nor a formula line NAME = EXPR; "
                    "write one of them or start a comment with #",
                ) from None
            if not self.formulas and not name:
                raise self.fail(
                    number,
                    indent + 1,
                    "a formula line '= EXPR' before the start of the chain; start it with NAME = EXPR",
                )
            self.formulas.append((number, name, expr, phi, expr_col, phi_col))
        if not self.formulas:
            raise self.fail(
                max(1, len(self.reader.lines)), 1, "no formula at all; start the chain with NAME = EXPR"
            )
        return self.derivation()

    def header(self, number: int, key: str, value: str, column: int) -> None:
        if key not in HEADERS:
            raise self.fail(
                number, 1, f"unknown header {key!r}; the headers are {', '.join(h + ':' for h in HEADERS)}"
            )
        if key in _BEFORE_CHAIN and self.formulas:
            raise self.fail(number, 1, f"{key}: comes after the first formula line; move it above the chain")
        if not value:
            raise self.fail(number, column + 1, f"{key}: is empty; give its value or drop the line")
        if key == "title":
            self.title = value
        elif key == "shape":
            self.shapes += [(number, item) for item in _shape_items(value)]
        elif key == "domain":
            self.domains += [(number, item.strip()) for item in split_top_level(value)]
        elif key == "over":
            self.over += [(name.strip(), number, column + 1) for name in value.split(",")]
        else:
            if self.conclusion is not None:
                raise self.fail(number, 1, "a second conclude: line; give one conclusion")
            self.conclusion = (number, column + 1, value)

    def problem(self) -> ArrayProblem:
        for number, item in self.shapes:
            try:
                parse_shape(item)
            except XentError as exc:
                raise self.fail(number, 1, str(exc)) from None
        for number, item in self.domains:
            try:
                parse_domain(item)
            except XentError as exc:
                raise self.fail(number, 1, str(exc)) from None
        try:
            return array_problem([s for _, s in self.shapes], [d for _, d in self.domains])
        except XentError as exc:
            line = next(
                (n for n, item in (*self.shapes, *self.domains) if item.split(":")[0].strip() in str(exc)),
                (self.shapes or self.domains or [(1, "")])[0][0],
            )
            raise self.fail(line, 1, str(exc)) from None

    def formula(
        self, problem: ArrayProblem, number: int, text: str, column: int, names: ArrayNames
    ) -> sp.Expr:
        try:
            tensor = parse_array_formula(text, names)
        except ParseError as exc:
            message = str(exc)
            found = re.search(r" at column (\d+)", message)
            where = column + (int(found.group(1)) if found else 1)
            raise self.fail(number, where, re.sub(r" at column \d+", "", message)) from None
        known = {*names.arrays, *names.sizes, *names.scalars} | {h.name for h in problem.hidden}
        for name in sorted(free_names(tensor.body) - known, key=lambda n: _first_use(text, n)):
            close = difflib.get_close_matches(name, sorted(known - {"t"}), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise self.fail(
                number,
                column + _first_use(text, name) + 1,
                f"undefined name {name!r}; {hint}declare it with shape: (an array) or domain: (a scalar, e.g. "
                f"'domain: {name}:(-oo,oo)')",
            )
        if tensor.shape:
            raise self.fail(
                number,
                column + 1,
                f"the formula has shape {show_shape(tensor.shape)}; a line of the chain is a "
                "scalar: wrap it in sum(...) or mean(...)",
            )
        return readable(tensor.body)

    def derivation(self) -> DerivationFile:
        problem = self.problem()
        parameters = []
        for name, number, column in self.over:
            if name in problem.names.arrays:
                parameters.append(problem.names.arrays[name][0])
            elif name in problem.names.scalars:
                parameters.append(problem.names.scalars[name])
            elif name.isidentifier():
                parameters.append(sp.Symbol(name, real=True))
            else:
                raise self.fail(
                    number, column, f"over: {name!r} is not a name; list the parameters, e.g. 'over: w, b'"
                )
        base = problem.proof_assumptions()
        assumptions = Assumptions(
            domains=base.domains,
            parameters=tuple(parameters),
            indices=base.indices,
            definitions=base.definitions,
            statements=_statements(problem, [o for o, _, _ in self.over]),
        )
        with_t = ArrayNames(problem.names.arrays, problem.names.sizes, {**problem.names.scalars, "t": _T})
        (start_line, start_name, start_text, start_phi, start_col, _), *rest = self.formulas
        if start_phi is not None:
            raise self.fail(
                start_line, 1, "the first formula line starts the chain; it has no line before it for 'by'"
            )
        start = self.formula(problem, start_line, start_text, start_col, problem.names)
        derivation = Derivation(
            name=Path(self.reader.path).stem,
            title=self.title or Path(self.reader.path).stem,
            start=start,
            assumptions=assumptions,
            start_name=Name(start_name, _name_latex(start_name)),
        )
        names: list[str | None] = [start_name]
        lines = []
        for number, name, text, phi_text, column, phi_col in rest:
            after = self.formula(problem, number, text, column, problem.names)
            before = derivation.current
            if phi_text is None:
                text_ = f"line {number}: equal to the line before"
                step = Step(
                    Claim("equal", after, Relation.EQUAL, text_), before, after, Relation.EQUAL, text_
                )
            else:
                phi = self.formula(problem, number, phi_text, phi_col, with_t)
                if _T not in phi.free_symbols:
                    raise self.fail(
                        number,
                        phi_col + 1,
                        f"by {phi_text!r} does not use t; write the map in t, e.g. 'by log(t)'",
                    )
                step = _monotone_step(before, after, phi, phi_text, number, assumptions)
            if name:
                step = replace(step, name=Name(name, _name_latex(name)))
            derivation = derivation.then(step)
            names.append(name or None)
            lines.append(number)
        conclusion = self.conclusion_line(names)
        return DerivationFile(
            self.reader.path, derivation, start_line, tuple(lines), tuple(names), conclusion
        )

    def conclusion_line(self, names: list[str | None]) -> ConclusionLine | None:
        if self.conclusion is None:
            return None
        number, column, text = self.conclusion
        known = [n for n in names if n]
        match = _CONCLUDE.match(text)
        if match:
            left_kind, left_over, left, right_kind, right_over, right = match.groups()
            if left_over != right_over:
                raise self.fail(
                    number,
                    column,
                    f"conclude: optimises over {left_over!r} and {right_over!r}; "
                    "use the same parameters on both sides",
                )
            if (left_kind, right_kind) == ("argmin", "argmax"):
                left_kind, right_kind, left, right = right_kind, left_kind, right, left
            kind = f"{left_kind}-{right_kind}"
            over = tuple(p.strip() for p in left_over.split(","))
            declared = [o for o, _, _ in self.over]
            if declared and sorted(over) != sorted(declared):
                raise self.fail(
                    number,
                    column,
                    f"conclude: optimises over {left_over!r}, but over: lists "
                    f"{', '.join(declared)}; name the same parameters",
                )
        elif "=" in text and not text.startswith(("argmax", "argmin")):
            left, right = (part.strip() for part in text.split("=", 1))
            kind, over = "equal", ()
        else:
            raise self.fail(
                number,
                column,
                "conclude: write 'argmax_P A = argmin_P B', 'argmax_P A = argmax_P B', "
                "'argmin_P A = argmin_P B' or 'A = B' with names of the chain",
            )
        for side in (left, right):
            if side not in known:
                raise self.fail(
                    number,
                    column + text.find(side),
                    f"conclude: {side!r} is not a name of the chain; "
                    f"its names are {', '.join(repr(n) for n in known)}",
                )
        return ConclusionLine(number, kind, left, right, over, text)


def _statements(problem: ArrayProblem, over: list[str]) -> tuple[Name, ...]:
    """The file's declarations in words, as the derivation's stated assumptions."""
    statements = []
    bases = {base: name for name, (base, _) in problem.names.arrays.items()}
    for atom, domain in problem.proof_assumptions().domains:
        name = bases.get(atom, getattr(atom, "name", str(atom)))
        if name in problem.names.sizes or name.startswith("_"):
            continue
        entries = name in problem.names.arrays and bool(problem.names.arrays[name][1])
        every, every_latex = ("every entry of ", r"\text{every entry of } ") if entries else ("", "")
        statements.append(
            Name(f"{every}{name} in {set_text(domain)}", every_latex + name + r" \in " + sp.latex(domain))
        )
    for name, kind in problem.rows.items():
        row = "one-hot" if kind == "onehot" else "on the probability simplex"
        statements.append(
            Name(f"every row of {name} is {row}", rf"\text{{every row of }} {name} \text{{ is {row}}}")
        )
    if problem.names.sizes:
        sizes = ", ".join(problem.names.sizes)
        statements.append(Name(f"{sizes}: positive integers", rf"{sizes} \in \mathbb{{Z}}_{{>0}}"))
    if over:
        statements.append(
            Name(f"optimised over {', '.join(over)}", rf"\text{{optimised over }} {', '.join(over)}")
        )
    return tuple(statements)


def _monotone_step(before, after, phi: sp.Expr, phi_text: str, number: int, assumptions: Assumptions) -> Step:
    """EXPR = PHI(previous) as a Claim step: PHI's domain the interval enclosure of `before` (a superset of its
    range: monotone there is monotone on the range), the relation the direction the checker proves."""
    bound = enclose(before, assumptions)
    domain = (
        sp.Interval(bound.lo, bound.hi, bound.lo_open, bound.hi_open) if bound is not None else sp.S.Reals
    )
    transform = sp.Lambda(_T, phi)
    relation = monotone_relation(transform, domain, assumptions) or Relation.INCREASING
    justification = Phrase(
        f"line {number}: by {phi_text}, strictly monotone on the range of the line before",
        f"line {number}: by ${sp.latex(phi)}$, strictly monotone on the range of the line before",
    )
    rule = Claim("by-map", after, relation, justification.text, transform=transform, domain=domain)
    return Step(
        rule,
        before,
        after,
        relation,
        justification.text,
        transform,
        domain,
        justification_latex=justification.latex,
    )


# ---------------------------------------------------------------------------------------------- checking


#: the relation each kind of conclusion needs between its two names, as the steps between them compose
_NEEDS = {
    "argmax-argmin": (Relation.DECREASING,),
    "argmax-argmax": (Relation.INCREASING, Relation.EQUAL),
    "argmin-argmin": (Relation.INCREASING, Relation.EQUAL),
    "equal": (Relation.EQUAL,),
}


@dataclass(frozen=True)
class ConclusionCheck:
    line: ConclusionLine
    status: Status
    method: str


@dataclass(frozen=True)
class FileCheck:
    """A checked derivation file: every step's check (in file order) and the `conclude:` line's."""

    file: DerivationFile
    checked: CheckedDerivation
    conclusion: ConclusionCheck | None

    @property
    def status(self) -> Status:
        statuses = [self.checked.status] + ([self.conclusion.status] if self.conclusion else [])
        return Status.worst(statuses)


def check_derivation_file(file: DerivationFile, *, budget: float = DEFAULT_BUDGET) -> FileCheck:
    """Check every step of the file's chain (check.check) and its conclusion against the composed relations."""
    checked = check(file.derivation, budget=budget)
    return FileCheck(file, checked, _check_conclusion(file, checked))


def _check_conclusion(file: DerivationFile, checked: CheckedDerivation) -> ConclusionCheck | None:
    line = file.conclusion
    if line is None:
        return None
    positions = {name: k for k, name in enumerate(file.names) if name}
    a, b = positions[line.left], positions[line.right]
    first, last = min(a, b), max(a, b)
    relation = Relation.EQUAL
    for step in file.derivation.steps[first:last]:
        relation = relation.then(step.relation)
    between = checked.steps[first:last]
    if relation not in _NEEDS[line.kind]:
        return ConclusionCheck(
            line,
            Status.UNKNOWN,
            f"does not follow: the lines from {file.names[first]!r} to {file.names[last]!r} compose to "
            f"'{relation.effect}'",
        )
    status = Status.worst([c.status for c in between]) if between else Status.PROVED
    return ConclusionCheck(line, status, f"the lines between compose to '{relation.effect}'")
