"""Safe parsing of user-typed formulas into SymPy objects: an ast whitelist walk, never eval or sympify."""

from __future__ import annotations

import ast
import fractions
import keyword
import unicodedata
import warnings
from collections.abc import Mapping

import sympy

from .errors import ParseError
from .primitives import FORMULA_FUNCTIONS

__all__ = ["parse_domain", "parse_formula", "parse_formulas", "parse_names"]

#: the functions a formula may call, by name: the primitives' (primitives.py), and sqrt, built as x**(1/2)
#: through the power limits
_SQRT = "sqrt"
_FUNCTIONS = frozenset(FORMULA_FUNCTIONS) | {_SQRT}
_ALLOWED = ", ".join(sorted(_FUNCTIONS))
_CONSTANTS = {"pi": sympy.pi, "E": sympy.E}
_BOUND_CONSTANTS = {**_CONSTANTS, "oo": sympy.oo}
#: names SymPy prints as its own constants; as plain symbols they would only mislead
_RESERVED = frozenset({"I", "oo", "zoo", "nan"})
_MAX_LITERAL_DIGITS = 100
_MAX_EXPONENT = 1000
_MAX_NUMBER_BITS = 10_000  # about 3000 decimal digits, well under Python's int-to-str limit
_MAX_ROOT_BITS = 1000
_CHAIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_OPERATOR_TEXT = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
}
_CONSTRUCTS = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "generator expression",
    ast.IfExp: "conditional expression (x if c else y)",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.NamedExpr: "assignment expression (:=)",
    ast.Tuple: "comma-separated list",
    ast.List: "list",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.JoinedStr: "f-string",
    ast.Starred: "starred expression",
    ast.Slice: "slice",
}


def _quote(text: str, limit: int = 40) -> str:
    """repr() of text, shortened, so messages stay on one line."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def split_top_level(text: str) -> list[str]:
    """Split text on the commas that are not inside brackets."""
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    return [*pieces, text[start:]]


def _number_bits(value: sympy.Expr) -> int:
    """Bits in the largest integer or fraction part inside value (0 when it holds no numbers)."""
    return max((max(abs(r.p).bit_length(), r.q.bit_length()) for r in value.atoms(sympy.Rational)), default=0)


class _Builder:
    """One walk over a parsed formula, building SymPy objects node by node."""

    def __init__(
        self,
        text: str,
        lead: int,
        symbols: Mapping[str, sympy.Symbol] | None,
        constants: Mapping[str, sympy.Expr],
        max_depth: int,
        allow_symbols: bool = True,
    ) -> None:
        self.text, self.lead, self.symbols = text, lead, symbols or {}
        self.constants, self.max_depth, self.allow_symbols = constants, max_depth, allow_symbols

    def where(self, node: ast.AST) -> str:
        # col_offset counts UTF-8 bytes; count characters, in the text as the user typed it
        column = len(self.text.encode()[: node.col_offset].decode(errors="replace")) + self.lead + 1
        return f"at column {column}"

    def source(self, node: ast.AST) -> str:
        return _quote(ast.get_source_segment(self.text, node) or type(node).__name__)

    def fail(self, node: ast.AST, what: str, fix: str = "") -> ParseError:
        """A ParseError saying what is wrong, where, and how to fix it."""
        return ParseError(f"{what} {self.where(node)}" + (f"; {fix}" if fix else ""))

    def build(self, node: ast.AST, depth: int = 0) -> sympy.Expr:
        if depth > self.max_depth:
            raise self.fail(node, f"formula nests more than {self.max_depth} levels deep", "simplify it")
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            operand = self.build(node.operand, depth + 1)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and isinstance(node.op, _CHAIN_OPS):
            return self.chain(node, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base, exponent = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
            return self.real(node, self.power(node, base, exponent))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
            raise ParseError(f"use ** for powers, not ^ ({self.where(node)}); write x**2 for x squared")
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            op = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            raise self.fail(node, f"operator {op!r} is not allowed", "allowed operators: + - * / **")
        what = _CONSTRUCTS.get(type(node), f"Python construct {type(node).__name__}")
        raise self.fail(
            node,
            f"{what} {self.source(node)} is not allowed in a formula",
            f"use numbers, names, + - * / ** and calls of {_ALLOWED}",
        )

    def constant(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if value is None or value is Ellipsis or isinstance(value, bool):
            raise self.fail(node, f"Python keyword {value!r} is not allowed in a formula")
        if isinstance(value, (str, bytes)):
            raise self.fail(node, f"string literal {self.source(node)} is not allowed", "use numbers")
        if isinstance(value, complex):
            raise self.fail(node, f"complex number {self.source(node)} is not allowed", "formulas are real")
        if isinstance(value, int):
            if abs(value) >= 10**_MAX_LITERAL_DIGITS:
                raise self.fail(
                    node,
                    f"integer literal {self.source(node)} is too long",
                    f"use at most {_MAX_LITERAL_DIGITS} digits",
                )
            return sympy.Integer(value)
        literal = (ast.get_source_segment(self.text, node) or repr(value)).replace("_", "")
        mantissa, _, exponent = literal.lower().partition("e")
        if sum(c.isdigit() for c in mantissa) > _MAX_LITERAL_DIGITS or len(exponent.lstrip("+-")) > 3:
            raise self.fail(
                node,
                f"number literal {self.source(node)} is too long",
                f"use at most {_MAX_LITERAL_DIGITS} digits and an exponent of at most 999",
            )
        exact = fractions.Fraction(literal)  # the typed decimal, exactly: 0.1 is 1/10
        return sympy.Rational(exact.numerator, exact.denominator)

    def name(self, node: ast.Name) -> sympy.Expr:
        name = node.id
        if name.startswith("_") or "__" in name:
            raise self.fail(
                node, f"name {name!r} is not allowed", "names must not start with '_' or contain '__'"
            )
        if name in _FUNCTIONS:
            raise ParseError(f"{name!r} is a function; call it as {name}(x) ({self.where(node)})")
        if name in self.symbols:
            return self.symbols[name]
        if name in self.constants:
            return self.constants[name]
        if not self.allow_symbols:
            allowed = ", ".join(self.constants)
            raise self.fail(node, f"symbol {name!r} is not allowed", f"use numbers and {allowed}")
        if name in _RESERVED:
            raise self.fail(node, f"name {name!r} is reserved by SymPy", "choose another name")
        return sympy.Symbol(name, real=True)

    def call(self, node: ast.Call, depth: int) -> sympy.Expr:
        if isinstance(node.func, ast.Attribute):
            return self.build(node.func, depth + 1)  # rejected there, as attribute access
        if not isinstance(node.func, ast.Name):
            raise self.fail(
                node,
                f"call of {self.source(node.func)} is not allowed",
                f"only {_ALLOWED} can be called, by name",
            )
        name = node.func.id
        if name.startswith("_") or "__" in name:
            return self.name(node.func)  # rejected there, naming the dunder
        if name not in _FUNCTIONS:
            raise self.fail(node, f"unknown function {name!r} in formula", f"allowed: {_ALLOWED}")
        if node.keywords:
            raise self.fail(
                node, f"keyword arguments are not allowed in {name}(...)", "pass arguments by position"
            )
        self.check_arguments(node)
        return self.function(node, [self.build(arg, depth + 1) for arg in node.args])

    def check_arguments(self, node: ast.Call) -> None:
        """ParseError unless `node` calls a formula function by position with as many arguments as it takes."""
        name = node.func.id
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(arg, f"starred argument {self.source(arg)} is not allowed", "pass the value")
        primitive = FORMULA_FUNCTIONS.get(name)
        counts, usage = (primitive.arity, primitive.usage) if primitive else ((1,), f"{name}(x)")
        if len(node.args) not in counts:
            raise self.fail(
                node,
                f"{name} takes {' or '.join(map(str, counts))} argument(s), got {len(node.args)},",
                f"write {usage}",
            )

    def function(self, node: ast.Call, args: list[sympy.Expr]) -> sympy.Expr:
        """The primitive (or sqrt) that `node` calls, applied to the built `args`, with the number limits."""
        name = node.func.id
        primitive = FORMULA_FUNCTIONS.get(name)
        for arg, value in zip(node.args, args, strict=True):  # SymPy may factor numbers in functions
            if _number_bits(value) > _MAX_NUMBER_BITS:
                raise self.fail(arg, f"number too large in {self.source(arg)}", "use at most 3000 digits")
        if (
            name == "log"
            and len(args) == 2
            and args[1].is_number
            and not (args[1].is_positive and args[1] != 1)
        ):
            raise self.fail(
                node.args[1],
                f"log base {self.source(node.args[1])} is not a positive number other than 1",
                "write log(x, b) with b > 0 and b != 1, or log(x) for the natural logarithm",
            )
        value = self.power(node, args[0], sympy.S.Half) if primitive is None else primitive.sympy_class(*args)
        return self.real(node, value)

    def real(self, node: ast.AST, value: sympy.Expr) -> sympy.Expr:
        """`value`, refused where it is a number that is not real (sqrt(-1), log(-2), (-8)**(1/3)); undefined
        values (1/0, log(0)) are refused for the whole formula, with their own message."""
        if not value.has(sympy.zoo, sympy.nan) and _imaginary_part(value) is not None:
            raise self.fail(
                node,
                f"{self.source(node)} is not a real number",
                "formulas are real: no roots or logs of negatives",
            )
        return value

    def chain(self, node: ast.BinOp, depth: int) -> sympy.Expr:
        """a + b - c*d / e: walk the left spine in a loop, so long sums cost no depth nor quadratic time."""
        spine = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, _CHAIN_OPS):
            spine.append((node.op, node.right))
            node = node.left
        result, run, run_is_sum = self.build(node, depth + 1), [], None
        for op, right in reversed(spine):
            value = self.build(right, depth + 1)
            is_sum = isinstance(op, (ast.Add, ast.Sub))
            if is_sum != run_is_sum:  # a run of + - or of * / ends: fold it in one Add or Mul
                result = (sympy.Add if run_is_sum else sympy.Mul)(*run) if run else result
                run, run_is_sum = [result], is_sum
            run.append(-value if isinstance(op, ast.Sub) else 1 / value if isinstance(op, ast.Div) else value)
        return (sympy.Add if run_is_sum else sympy.Mul)(*run)

    def power(self, node: ast.AST, base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
        """base**exponent, refused when numbers would grow past reason: 9**9**9**9 must never be computed."""
        bits = _number_bits(base)
        if (
            exponent.is_Rational
            and bits
            and (
                abs(exponent) > _MAX_EXPONENT
                or abs(exponent) * bits > _MAX_NUMBER_BITS
                or (not exponent.is_Integer and bits > _MAX_ROOT_BITS)  # SymPy factors numbers to take roots
            )
        ):
            raise self.fail(
                node,
                f"exponent too large in {self.source(node)}",
                f"numeric powers are limited to |exponent| <= {_MAX_EXPONENT}, results of about "
                "3000 digits and roots of numbers of about 300 digits",
            )
        return base**exponent


def _prepare_tree(text: str, max_length: int, max_depth: int) -> tuple[ast.Expression, str, int]:
    """The ast of a formula (parsed only, never compiled or run), its stripped text and the number of leading
    blanks, after the length, emptiness and bracket-depth limits."""
    if not isinstance(text, str):
        raise ParseError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > max_length:
        raise ParseError(
            f"formula is {len(text)} characters long, over the limit of {max_length}; shorten it"
        )
    flat = text.replace("\r", " ").replace("\n", " ")
    body = flat.strip()
    if not body:
        raise ParseError("empty formula; type an expression such as 'sigmoid(z) - y'")
    depth = _bracket_depth(body)
    if depth > max_depth:
        raise ParseError(
            f"formula nests brackets {depth} levels deep, over the limit of {max_depth}; simplify it"
        )
    try:
        with warnings.catch_warnings():  # e.g. an invalid escape in a string: the walk refuses it anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(body, mode="eval")  # parsing only; the tree is never compiled or run
    except SyntaxError as exc:
        column = exc.offset if exc.offset and exc.offset >= 1 else len(body)
        raise ParseError(
            f"could not parse formula {_quote(text)}: {exc.msg} at column "
            f"{column + len(flat) - len(flat.lstrip())}"
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ParseError(f"could not parse formula {_quote(text)}: {type(exc).__name__}") from None
    return tree, body, len(flat) - len(flat.lstrip())


def _parse(
    text: str,
    symbols: Mapping[str, sympy.Symbol] | None,
    max_length: int,
    max_depth: int,
    constants: Mapping[str, sympy.Expr] = _CONSTANTS,
    allow_symbols: bool = True,
) -> sympy.Expr:
    tree, body, lead = _prepare_tree(text, max_length, max_depth)
    builder = _Builder(body, lead, symbols, constants, max_depth, allow_symbols)
    return _checked_value(text, builder.build(tree.body))


def _checked_value(text: str, expr: sympy.Expr) -> sympy.Expr:
    """`expr`, the value of formula `text`, refused when it holds a huge number, is undefined or is not real."""
    if _number_bits(expr) > _MAX_NUMBER_BITS:
        raise ParseError(f"formula {_quote(text)} holds a number over about 3000 digits; use smaller numbers")
    if expr.has(sympy.zoo, sympy.nan):
        raise ParseError(f"formula {_quote(text)} is undefined (it divides by zero or takes log(0)); fix it")
    imaginary = _imaginary_part(expr)
    if imaginary is not None:
        raise ParseError(
            f"formula {_quote(text)} is not real: {_quote(str(imaginary))} is not a real number; "
            "formulas are real (no square roots or logs of negative numbers)"
        )
    return expr


def _imaginary_part(expr: sympy.Expr) -> sympy.Expr | None:
    """The first numeric subexpression of `expr` that is not real (sqrt(-1), log(-2)), or None."""
    for node in sympy.preorder_traversal(expr):
        if node is sympy.I or (node.is_number and node.is_extended_real is False):
            return node
    return None


def parse_formula(
    text: str,
    *,
    symbols: Mapping[str, sympy.Symbol] | None = None,
    max_length: int = 2000,
    max_depth: int = 40,
) -> sympy.Expr:
    """Parse one formula such as 'sigmoid(z) - y' into a SymPy expression with real symbols.

    `symbols` maps names to the Symbol objects to use for them; other names become Symbol(name, real=True).
    Raises ParseError, with a one-line message, for anything outside the small formula language.
    """
    return _parse(text, symbols, max_length, max_depth)


def parse_formulas(
    text: str,
    *,
    symbols: Mapping[str, sympy.Symbol] | None = None,
    max_length: int = 2000,
    max_depth: int = 40,
) -> tuple[sympy.Expr, ...]:
    """Parse comma-separated formulas ('sigmoid(z)-y, log(2, 3)'); commas inside calls do not split."""
    if isinstance(text, str) and len(text) > max_length:
        raise ParseError(f"formula list is {len(text)} characters long, over the limit of {max_length}")
    if isinstance(text, str) and not text.strip():
        raise ParseError("empty list of formulas; write formulas separated by commas, e.g. 'sigmoid(z)-y, z'")
    pieces = split_top_level(text) if isinstance(text, str) else [text]
    for i, piece in enumerate(pieces, 1):
        if isinstance(piece, str) and not piece.strip():
            raise ParseError(f"formula {i} of {len(pieces)} in {_quote(text)} is empty; drop the extra comma")
    formulas = []
    for i, piece in enumerate(pieces, 1):
        try:
            formulas.append(_parse(piece, symbols, max_length, max_depth))
        except ParseError as exc:
            raise (ParseError(f"formula {i} of {len(pieces)}: {exc}") if len(pieces) > 1 else exc) from None
    return tuple(formulas)


def _check_name(name: str, what: str = "name") -> str:
    name = unicodedata.normalize("NFKC", name.strip())  # as Python's parser does with identifiers
    if not name:
        raise ParseError(f"empty {what}; write a symbol name such as 'z'")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ParseError(f"{what} {name!r} is not a valid symbol name; use letters, digits and '_'")
    if name.startswith("_"):
        raise ParseError(f"{what} {name!r} is not allowed; names must not start with '_'")
    if name in _FUNCTIONS:
        raise ParseError(f"{what} {name!r} is a function, not a symbol; choose another name")
    if name in _CONSTANTS or name in _RESERVED:
        raise ParseError(f"{what} {name!r} is a constant, not a symbol; choose another name")
    return name


def parse_names(text: str) -> tuple[str, ...]:
    """Parse a comma-separated list of symbol names such as 'w, b' into ('w', 'b')."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("empty list of names; write symbol names separated by commas, such as 'w,b'")
    names = tuple(_check_name(part) for part in text.split(","))
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ParseError(f"name {name!r} is listed twice in {_quote(text)}; list each name once")
    return names


def _parse_bound(domain: str, text: str, max_length: int) -> sympy.Expr:
    try:
        bound = _parse(text, None, max_length, 40, _BOUND_CONSTANTS, allow_symbols=False)
    except ParseError as exc:
        raise ParseError(f"bound {_quote(text.strip())} of domain {_quote(domain)}: {exc}") from None
    if bound.is_extended_real is not True:
        raise ParseError(f"bound {_quote(text.strip())} of domain {_quote(domain)} is not a real number")
    return bound


#: the domains of a 2-D array that constrain its rows: one-hot rows, rows on the probability simplex
ROW_DOMAINS = ("onehot", "simplex")
_DOMAIN_USAGE = (
    "write NAME:SET with SET an interval such as (0,1), [0,1], (0,oo) or [0,1), a finite set such as {0,1}, "
    "or for a matrix onehot or simplex"
)
_MAX_FINITE = 100


def _interval(text: str, body: str, max_length: int) -> sympy.Interval:
    bounds = split_top_level(body[1:-1])
    if len(bounds) != 2 or not all(b.strip() for b in bounds):
        raise ParseError(f"domain {_quote(text)} needs exactly two bounds; {_DOMAIN_USAGE}")
    low, high = (_parse_bound(text, bound, max_length) for bound in bounds)
    if (low < high) is not sympy.true:
        raise ParseError(
            f"domain {_quote(text)} needs its lower bound below its upper bound, "
            f"got {_quote(str(low))} >= {_quote(str(high))}"
        )
    left_open, right_open = body[0] == "(", body[-1] == ")"
    for bound, is_open, side in ((low, left_open, "("), (high, right_open, ")")):
        if bound.is_infinite and not is_open:
            raise ParseError(f"domain {_quote(text)} closes an infinite end; write {side} at oo, e.g. [0,oo)")
    return sympy.Interval(low, high, left_open, right_open)


def _finite_set(text: str, body: str, max_length: int) -> sympy.FiniteSet:
    pieces = split_top_level(body[1:-1])
    if not all(p.strip() for p in pieces):
        raise ParseError(f"domain {_quote(text)} has an empty element; {_DOMAIN_USAGE}")
    if len(pieces) > _MAX_FINITE:
        raise ParseError(f"domain {_quote(text)} lists {len(pieces)} values, over the limit of {_MAX_FINITE}")
    values = [_parse_bound(text, piece, max_length) for piece in pieces]
    if any(v.is_infinite for v in values):
        raise ParseError(f"domain {_quote(text)} lists an infinite value; list finite numbers")
    return sympy.FiniteSet(*values)


def parse_domain(text: str, *, max_length: int = 2000) -> tuple[str, sympy.Set | str]:
    """Parse 'NAME:SET' into (NAME, set): an open, closed or half-open interval ('p:(0,1)', 'x:[0,oo)'), a finite
    set ('y:{0,1}'), or for a 2-D array 'Y:onehot' / 'P:simplex' (returned as that word, see ROW_DOMAINS). Bounds
    and values are numbers, pi, E, oo or -oo."""
    if not isinstance(text, str) or len(text) > max_length:
        raise ParseError(f"domain must be text of at most {max_length} characters; {_DOMAIN_USAGE}")
    name, colon, body = text.partition(":")
    if not colon:
        raise ParseError(f"domain {_quote(text)} has no ':'; {_DOMAIN_USAGE}")
    name, body = _check_name(name, "domain name"), body.strip()
    if body in ROW_DOMAINS:
        return name, body
    if body[:1] in "([" and body[-1:] in ")]":
        return name, _interval(text, body, max_length)
    if body.startswith("{") and body.endswith("}"):
        return name, _finite_set(text, body, max_length)
    raise ParseError(
        f"domain {_quote(text)} is not an interval, a finite set or a row domain; {_DOMAIN_USAGE}"
    )
