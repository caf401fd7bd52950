"""Tests for xent_symbolic.parse: exact SymPy results for good formulas, pinned one-line errors otherwise."""

from __future__ import annotations

import builtins
import time

import pytest
import sympy
import sympy.parsing.sympy_parser

from xent_symbolic.errors import ParseError
from xent_symbolic.functions import sigmoid, softplus
from xent_symbolic.parse import parse_domain, parse_formula, parse_formulas, parse_names

x, y, z, w, b, e = (sympy.Symbol(n, real=True) for n in ("x", "y", "z", "w", "b", "e"))
a, c, d, f, g = (sympy.Symbol(n, real=True) for n in ("a", "c", "d", "f", "g"))
BCE = -y * sympy.log(sigmoid(z)) - (1 - y) * sympy.log(1 - sigmoid(z))
ALLOWED = "allowed: abs, cosh, erf, exp, expm1, log, log1p, log_sigmoid, sigmoid, sinh, softplus, sqrt, tanh"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sigmoid(z) - y", sigmoid(z) - y),
        ("-y*log(sigmoid(z)) - (1-y)*log(1-sigmoid(z))", BCE),
        ("softplus(z) - y*z", softplus(z) - y * z),
        ("pi*E + e", sympy.pi * sympy.E + e),
        ("0.1", sympy.Rational(1, 10)),
        ("0.1 + 0.2", sympy.Rational(3, 10)),
        ("1e-3", sympy.Rational(1, 1000)),
        ("2.5E2", sympy.Integer(250)),
        ("1_000.5", sympy.Rational(2001, 2)),
        ("1/3", sympy.Rational(1, 3)),
        ("7", sympy.Integer(7)),
        ("log(x, 2)", sympy.log(x, 2)),
        ("log(8, 2)", sympy.Integer(3)),
        ("log(x)", sympy.log(x)),
        ("-x", -x),
        ("--x", x),
        ("+x", x),
        ("-2**2", sympy.Integer(-4)),
        ("(-2)**2", sympy.Integer(4)),
        ("2**-1", sympy.Rational(1, 2)),
        ("2**3**2", sympy.Integer(512)),
        ("x**2/2", x**2 / 2),
        ("sqrt(x) + abs(x)", sympy.sqrt(x) + sympy.Abs(x)),
        ("tanh(x) + sinh(x) * cosh(x)", sympy.tanh(x) + sympy.sinh(x) * sympy.cosh(x)),
        ("exp(-z)", sympy.exp(-z)),
        ("a - b*c/d + e/f*g", a - b * c / d + e * g / f),
        ("(x + y)*z - x/y/z", (x + y) * z - x / (y * z)),
        ("  x +\n 1  ", x + 1),
        ("2**1000", sympy.Integer(2) ** 1000),
    ],
)
def test_accepted_formulas_build_exact_sympy_expressions(text: str, expected: sympy.Expr) -> None:
    result = parse_formula(text)
    assert result == expected
    assert not result.has(sympy.Float)


def test_names_become_real_symbols_unless_mapped() -> None:
    assert parse_formula("x").is_real is True
    w_positive = sympy.Symbol("w", positive=True)
    result = parse_formula("w*x + E", symbols={"w": w_positive, "E": sympy.Symbol("E")})
    assert result == w_positive * x + sympy.Symbol("E")
    assert result != w * x + sympy.E


def test_long_sums_and_products_are_not_deep_nesting() -> None:
    names = [sympy.Symbol(f"a{i}", real=True) for i in range(300)]
    assert parse_formula("+".join(map(str, names))) == sympy.Add(*names)
    assert parse_formula("*".join(map(str, names))) == sympy.Mul(*names)
    assert parse_formula("-".join(map(str, names))) == names[0] - sympy.Add(*names[1:])


HOSTILE = [
    ("().__class__.__bases__[0].__subclasses__()", "attribute access '().__class__.__bases__[0].__subcl"),
    ("x.real", "attribute access 'x.real' is not allowed in a formula at column 1"),
    ("x[0]", "indexing 'x[0]' is not allowed in a formula at column 1"),
    ("lambda: 1", "lambda 'lambda: 1' is not allowed"),
    ("[x for x in y]", "comprehension '[x for x in y]' is not allowed"),
    ("(x for x in y)", "generator expression"),
    ("'abc'", "string literal \"'abc'\" is not allowed"),
    ("b'abc'", "string literal \"b'abc'\" is not allowed"),
    ("'\\d'", "string literal \"'\\\\d'\" is not allowed"),
    ("f'{x}'", "f-string"),
    ("f(x)", f"unknown function 'f' in formula at column 1; {ALLOWED}"),
    ("exp(x=1)", "keyword arguments are not allowed in exp(...)"),
    ("exp(**x)", "keyword arguments are not allowed in exp(...)"),
    ("exp(*x)", "starred argument '*x' is not allowed at column 5"),
    ("exp(x, y)", "exp takes 1 argument(s), got 2"),
    ("log(x, 2, 3)", "log takes 1 or 2 argument(s), got 3"),
    ("(x + 1)(2)", "call of 'x + 1' is not allowed"),
    ("10**100000", "exponent too large in '10**100000'"),
    ("(2**999)**20", "exponent too large"),
    ("sqrt(10**400)", "exponent too large in 'sqrt(10**400)'"),
    ("1" * 101, "integer literal '1111"),
    ("1.5e1000", "number literal '1.5e1000' is too long"),
    ("x if y else z", "conditional expression (x if c else y)"),
    ("x < y", "comparison 'x < y' is not allowed"),
    ("x and y", "boolean operator"),
    ("(y := 2)", "assignment expression (:=)"),
    ("1j", "complex number '1j' is not allowed"),
    ("x @ y", "operator '@' is not allowed at column 1; allowed operators: + - * / **"),
    ("x % 2", "operator '%' is not allowed"),
    ("x // 2", "operator '//' is not allowed"),
    ("x | y", "operator '|' is not allowed"),
    ("~x", "operator '~' is not allowed"),
    ("not x", "operator 'not' is not allowed"),
    ("x ^ 2", "use ** for powers, not ^ (at column 1)"),
    ("None", "Python keyword None is not allowed"),
    ("True", "Python keyword True is not allowed"),
    ("...", "Python keyword Ellipsis is not allowed"),
    ("eval('1')", "unknown function 'eval'"),
    ("exec('1')", "unknown function 'exec'"),
    ("getattr(x, 'y')", "unknown function 'getattr'"),
    ("open('f')", "unknown function 'open'"),
    ("log + 1", "'log' is a function; call it as log(x)"),
    ("_x + 1", "name '_x' is not allowed at column 1; names must not start with '_' or contain '__'"),
    ("a__b", "name 'a__b' is not allowed"),
    ("__builtins__", "name '__builtins__' is not allowed"),
    ("__import__('os')", "name '__import__' is not allowed"),
    ("I + 1", "name 'I' is reserved by SymPy"),
    ("x, y", "comma-separated list 'x, y' is not allowed"),
    ("[1]", "list '[1]' is not allowed"),
    ("{1: 2}", "dict '{1: 2}' is not allowed"),
    ("{1}", "set '{1}' is not allowed"),
    ("1/0", "formula '1/0' is undefined"),
    ("log(0)", "formula 'log(0)' is undefined"),
    ("x +", "could not parse formula 'x +': invalid syntax at column 3"),
    ("x = 1", "could not parse formula 'x = 1': invalid syntax at column 3"),
    ("", "empty formula"),
    ("   ", "empty formula"),
    ("x" * 10_000, "formula is 10000 characters long, over the limit of 2000; shorten it"),
    ("(" * 200 + "x" + ")" * 200, "formula nests brackets 200 levels deep, over the limit of 40"),
    ("-" * 60 + "x", "formula nests more than 40 levels deep"),
]


@pytest.mark.parametrize(("text", "fragment"), HOSTILE)
def test_hostile_and_invalid_formulas_raise_one_line_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_formula(text)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message and len(message) < 400


def test_os_system_payload_is_refused_and_never_runs(tmp_path) -> None:
    marker = tmp_path / "xent_pwned"
    payload = f"__import__('os').system('touch {marker}')"
    with pytest.raises(ParseError, match="attribute access"):
        parse_formula(payload)
    with pytest.raises(ParseError, match="name '__import__' is not allowed"):
        parse_formula("__import__('os')")
    assert not marker.exists()


def test_tower_of_powers_is_refused_at_once() -> None:
    start = time.perf_counter()
    with pytest.raises(ParseError, match=r"exponent too large in '9\*\*9\*\*9'"):
        parse_formula("9**9**9**9")
    assert time.perf_counter() - start < 1.0


def test_columns_count_characters_from_the_typed_text() -> None:
    with pytest.raises(ParseError, match="unknown function 'foo' in formula at column 5;"):
        parse_formula("x + foo(1)")
    with pytest.raises(ParseError, match=r"attribute access 'x\.y' is not allowed in a formula at column 3;"):
        parse_formula("  x.y")
    with pytest.raises(ParseError, match="unknown function 'f' in formula at column 6;"):
        parse_formula("\u03b1\u03b2 + f(x)")


def test_limits_are_parameters() -> None:
    assert parse_formula("exp(exp(x))", max_depth=2) == sympy.exp(sympy.exp(x))
    with pytest.raises(ParseError, match="formula nests brackets 2 levels deep, over the limit of 1"):
        parse_formula("exp(exp(x))", max_depth=1)
    assert parse_formula("--x", max_depth=2) == x
    with pytest.raises(ParseError, match="formula nests more than 2 levels deep at column 4"):
        parse_formula("---x", max_depth=2)
    with pytest.raises(ParseError, match="formula is 3 characters long, over the limit of 2"):
        parse_formula("x+y", max_length=2)
    with pytest.raises(ParseError, match="a formula must be text, got int"):
        parse_formula(3)  # type: ignore[arg-type]


def test_parser_never_uses_eval_exec_or_sympify(monkeypatch) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("the formula parser must not call eval, exec, sympify or parse_expr")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(sympy, "sympify", forbidden)
    monkeypatch.setattr(sympy, "parse_expr", forbidden)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", forbidden)  # sympify of any str ends here
    monkeypatch.setattr(sympy.parsing.sympy_parser, "eval_expr", forbidden)
    text = "-y*log(sigmoid(z)) - (1-y)*log(1-sigmoid(z)) + softplus(0.25*w)**2/sqrt(abs(b)) + log(x, 2) + E"
    expected = BCE + softplus(w / 4) ** 2 / sympy.sqrt(sympy.Abs(b)) + sympy.log(x, 2) + sympy.E
    assert parse_formula(text) == expected
    assert parse_formulas("sigmoid(z)-y, tanh(x)") == (sigmoid(z) - y, sympy.tanh(x))
    assert parse_domain("p:(1e-3, pi)") == ("p", sympy.Interval.open(sympy.Rational(1, 1000), sympy.pi))
    with pytest.raises(ParseError, match="unknown function 'eval'"):
        parse_formula("eval('1')")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("w,b", ("w", "b")), ("w, b", ("w", "b")), (" z ", ("z",)), ("\u03b1,x2", ("\u03b1", "x2"))],
)
def test_parse_names_accepts_symbol_lists(text: str, expected: tuple[str, ...]) -> None:
    assert parse_names(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty list of names; write symbol names separated by commas, such as 'w,b'"),
        ("  ", "empty list of names"),
        ("w,,b", "empty name"),
        ("w,", "empty name"),
        ("w,w", "name 'w' is listed twice in 'w,w'"),
        ("w, b, w", "name 'w' is listed twice"),
        ("log", "name 'log' is a function, not a symbol"),
        ("x, sigmoid", "name 'sigmoid' is a function"),
        ("_a", "name '_a' is not allowed; names must not start with '_'"),
        ("__class__", "name '__class__' is not allowed"),
        ("w b", "name 'w b' is not a valid symbol name"),
        ("1x", "name '1x' is not a valid symbol name"),
        ("x.y", "name 'x.y' is not a valid symbol name"),
        ("lambda", "name 'lambda' is not a valid symbol name"),
        ("pi", "name 'pi' is a constant, not a symbol"),
        ("E", "name 'E' is a constant"),
    ],
)
def test_parse_names_rejects_bad_lists(text: str, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_names(text)
    assert fragment in str(caught.value)


def test_parse_formulas_splits_on_top_level_commas_only() -> None:
    assert parse_formulas("sigmoid(z)-y, log(2, 3)") == (sigmoid(z) - y, sympy.log(2, 3))
    assert parse_formulas("sigmoid(z)-y, log(2, 3)")[1] == sympy.log(2) / sympy.log(3)
    assert parse_formulas("x") == (x,)
    assert parse_formulas("log(x, 2), exp(y), (x+y)") == (sympy.log(x, 2), sympy.exp(y), x + y)
    w_positive = sympy.Symbol("w", positive=True)
    assert parse_formulas("w, w*x", symbols={"w": w_positive}) == (w_positive, w_positive * x)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty list of formulas"),
        ("x,,y", "formula 2 of 3 in 'x,,y' is empty; drop the extra comma"),
        ("x,", "formula 2 of 2 in 'x,' is empty"),
        ("x, f(y)", f"formula 2 of 2: unknown function 'f' in formula at column 2; {ALLOWED}"),
        ("x, y.z", "formula 2 of 2: attribute access 'y.z'"),
        ("f(x)", "unknown function 'f'"),
        ("x" * 3000, "formula list is 3000 characters long, over the limit of 2000"),
    ],
)
def test_parse_formulas_rejects_bad_lists(text: str, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_formulas(text)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("text", "name", "interval"),
    [
        ("p:(0,1)", "p", sympy.Interval.open(0, 1)),
        ("t:(-oo, oo)", "t", sympy.Interval.open(-sympy.oo, sympy.oo)),
        ("x:(1e-3, pi)", "x", sympy.Interval.open(sympy.Rational(1, 1000), sympy.pi)),
        (" q : ( 1/2 , E ) ", "q", sympy.Interval.open(sympy.Rational(1, 2), sympy.E)),
        ("w:(-1, 0)", "w", sympy.Interval.open(-1, 0)),
        ("s:(0, log(2))", "s", sympy.Interval.open(0, sympy.log(2))),
    ],
)
def test_parse_domain_returns_open_intervals(text: str, name: str, interval: sympy.Interval) -> None:
    parsed_name, parsed = parse_domain(text)
    assert parsed_name == name
    assert parsed == interval
    assert parsed.left_open and parsed.right_open


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p:[0,1]", sympy.Interval(0, 1)),
        ("p:[0,1)", sympy.Interval.Ropen(0, 1)),
        ("p:(0,1]", sympy.Interval.Lopen(0, 1)),
        ("x:[0,oo)", sympy.Interval(0, sympy.oo)),
        ("x:(-oo,2]", sympy.Interval(-sympy.oo, 2)),
        ("y:{0,1}", sympy.FiniteSet(0, 1)),
        ("y:{-1, 1}", sympy.FiniteSet(-1, 1)),
        ("y:{1/2}", sympy.FiniteSet(sympy.Rational(1, 2))),
        ("Y:onehot", "onehot"),
        ("P: simplex ", "simplex"),
    ],
)
def test_parse_domain_reads_closed_intervals_finite_sets_and_row_domains(text: str, expected) -> None:
    assert parse_domain(text) == (text.partition(":")[0].strip(), expected)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "p(0,1)",
            "domain 'p(0,1)' has no ':'; write NAME:SET with SET an interval such as (0,1), [0,1], (0,oo) or [0,1), a finite set such as {0,1}, or for a matrix onehot or simplex",
        ),
        ("1p:(0,1)", "domain name '1p' is not a valid symbol name"),
        ("_p:(0,1)", "domain name '_p' is not allowed"),
        ("log:(0,1)", "domain name 'log' is a function"),
        (":(0,1)", "empty domain name"),
        ("p:[0,oo]", "domain 'p:[0,oo]' closes an infinite end; write ) at oo, e.g. [0,oo)"),
        ("p:0,1", "domain 'p:0,1' is not an interval, a finite set or a row domain"),
        ("p:{0,,1}", "domain 'p:{0,,1}' has an empty element"),
        ("p:{0,oo}", "domain 'p:{0,oo}' lists an infinite value"),
        ("p:{0,x}", "symbol 'x' is not allowed"),
        ("p:simplex(1)", "is not an interval, a finite set or a row domain"),
        ("p:(0,1,2)", "domain 'p:(0,1,2)' needs exactly two bounds"),
        ("p:(0,)", "needs exactly two bounds"),
        ("p:(1,0)", "domain 'p:(1,0)' needs its lower bound below its upper bound, got '1' >= '0'"),
        ("p:(0,0)", "needs its lower bound below its upper bound"),
        ("p:(oo,oo)", "needs its lower bound below its upper bound"),
        ("p:(0,x)", "bound 'x' of domain 'p:(0,x)': symbol 'x' is not allowed at column 1; use numbers"),
        ("p:(0,__import__('os'))", "name '__import__' is not allowed"),
        ("p:(log(-1), 1)", "bound 'log(-1)' of domain 'p:(log(-1), 1)': 'log(-1)' is not a real number"),
        ("p:(0, 9**9**9**9)", "exponent too large"),
    ],
)
def test_parse_domain_rejects_bad_domains(text: str, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_domain(text)
    assert fragment in str(caught.value)
