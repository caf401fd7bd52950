"""The array notation: every construct lowered to index form and evaluated at concrete sizes equals NumPy's value
of the same text; shape mismatches and hostile input are one-line ParseErrors."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
import sympy as sp

from xent_symbolic.arrays import array_problem, parse_array_formula, parse_shape
from xent_symbolic.errors import InputError, ParseError
from xent_symbolic.sums import write_out_sums

SHAPES = ["X:n,d", "w:d", "y:n", "A:d,d", "W:d,K", "Y:n,K", "v:d"]
SIZES = {"n": 3, "d": 2, "K": 4}
RNG = np.random.default_rng(20261203)
VALUES = {
    "X": RNG.normal(size=(3, 2)),
    "w": RNG.normal(size=2),
    "y": RNG.uniform(0.1, 0.9, size=3),
    "A": RNG.normal(size=(2, 2)),
    "W": RNG.normal(size=(2, 4)),
    "Y": RNG.uniform(0.1, 0.9, size=(3, 4)),
    "v": RNG.uniform(0.5, 2.0, size=2),
    "c": 0.75,
}


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def logsumexp(a, axis=None):
    top = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(a - top), axis=axis))


def softmax(a, axis=None):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


NUMPY = {
    "sum": lambda a, axis=None: np.sum(a, axis=axis),
    "mean": lambda a, axis=None: np.mean(a, axis=axis),
    "prod": lambda a, axis=None: np.prod(a, axis=axis),
    "logsumexp": logsumexp,
    "softmax": softmax,
    "exp": np.exp,
    "log": np.log,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sigmoid": _sigmoid,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "erf": np.vectorize(lambda x: float(sp.erf(x))),
    "maximum": np.maximum,
    "minimum": np.minimum,
    "pi": np.pi,
    **SIZES,
    **VALUES,
}


def _value(text: str) -> np.ndarray:
    """The index form of `text` evaluated entry by entry at VALUES (sums written out)."""
    problem = array_problem(SHAPES, None)
    tensor = parse_array_formula(text, problem.names)
    sizes = {problem.names.sizes[k]: sp.Integer(v) for k, v in SIZES.items()}
    entries = {}
    for name, (base, _) in problem.names.arrays.items():
        array = VALUES[name]
        for ix in itertools.product(*(range(s) for s in array.shape)):
            entries[base[tuple(i + 1 for i in ix)]] = sp.Float(array[ix], 30)
    entries[sp.Symbol("c", real=True)] = sp.Float(VALUES["c"], 30)
    dims = tuple(int(sp.sympify(s).xreplace(sizes)) for s in tensor.shape)
    out = np.empty(dims)
    for ix in itertools.product(*(range(s) for s in dims)):
        entry = tensor.at(*(sp.Integer(i + 1) for i in ix)).xreplace(sizes)
        out[ix] = float(write_out_sums(entry).doit().xreplace(entries).evalf(30))
    return out


@pytest.mark.parametrize(
    "text",
    [
        "X @ w",
        "w @ w",
        "w @ A",
        "A @ W",
        "X.T @ y",
        "w.T",
        "X + w",
        "X * w - 2",
        "w / v + c",
        "X ** 2",
        "2 ** w",
        "v ** w",
        "-X.T",
        "sum(X)",
        "sum(X, axis=0)",
        "sum(X, axis=1)",
        "sum(X, -1)",
        "mean(X)",
        "mean(X, axis=0)",
        "mean(Y, axis=1)",
        "prod(v)",
        "prod(Y, axis=1)",
        "logsumexp(W, axis=1)",
        "logsumexp(W, axis=0)",
        "logsumexp(w)",
        "softmax(X @ W, axis=1)",
        "softmax(X @ W, axis=0)",
        "softmax(w)",
        "exp(w) + log(v) + log1p(v) + expm1(w) + sqrt(v) + abs(w)",
        "sigmoid(X) + softplus(X) + tanh(X) + sinh(X) + cosh(X) + erf(X)",
        "maximum(X, 0) + minimum(w, c)",
        "pi * w / n + d * K",
        "mean(softplus(X @ w) - y * (X @ w))",
        "X.T @ (sigmoid(X @ w) - y) / n",
        "w @ A @ w",
        "(A + A.T) @ w",
        "-mean(sum(Y * log(softmax(X @ W, axis=1)), axis=1))",
        "X.T @ (softmax(X @ W, axis=1) - Y) / n",
    ],
)
def test_every_construct_equals_numpy(text: str) -> None:
    expected = eval(text, {"__builtins__": {}}, NUMPY)
    np.testing.assert_allclose(_value(text), expected, rtol=1e-12, atol=1e-14)


def test_a_vector_dot_vector_is_a_scalar_and_its_index_form_is_one_sum() -> None:
    problem = array_problem(["w:d", "v:d"], None)
    tensor = parse_array_formula("w @ v", problem.names)
    assert tensor.shape == ()
    (summation,) = tensor.body.atoms(sp.Sum)
    ((index, low, high),) = summation.limits
    w, v = (problem.names.arrays[name][0] for name in "wv")
    assert (low, high) == (1, problem.names.sizes["d"])
    assert summation.function == w[index] * v[index]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("X @ y", "shape mismatch in '@' ('X @ y' at column 1): (n, d) @ (n,) (inner sizes d and n differ)"),
        ("X + y", "shape mismatch in '+' ('X + y' at column 1): (n, d) and (n,) do not broadcast"),
        ("w * Y", "shape mismatch in '*' ('w * Y' at column 1): (d,) and (n, K) do not broadcast"),
        ("sum(X, axis=2)", "sum ('sum(X, axis=2)' at column 1): axis 2 is out of range for shape (n, d)"),
        ("w @ 2", "'@' needs arrays, got shapes (d,) and (); use * for scalars"),
        ("maximum(w, y)", "shape mismatch in maximum"),
        ("X.shape", "attribute 'shape' is not allowed at column 1; only .T (transpose) is"),
        ("X[0]", "'X[0]' is not allowed in an array formula at column 1"),
        ("sum(X, axs=1)", "sum takes only the keyword axis= at column 1"),
        ("sum(X, axis=n)", "axis of sum must be a small integer such as 0 or 1"),
        ("sum(X, axis=10**100)", "axis of sum must be a small integer"),
        ("sum", "'sum' is a function at column 1; call it as sum(x)"),
        ("foo(w)", "unknown function 'foo' in formula at column 1"),
        ("sigmoid(w, 2)", "sigmoid takes 1 argument(s), got 2,"),
        ("exp(w, axis=1)", "keyword arguments are not allowed in exp(...)"),
        ("__import__('os').system('ls')", "not allowed"),
        ("X.__class__", "attribute '__class__' is not allowed"),
        ("(lambda: 1)()", "call of 'lambda: 1' is not allowed"),
        ("w ^ 2", "use ** for powers, not ^"),
        ("9**9**9**9 * w", "exponent too large"),
        ("log(w - w - 0)", "undefined"),
    ],
)
def test_bad_array_formulas_are_one_line_parse_errors(text: str, message: str) -> None:
    problem = array_problem(SHAPES, None)
    start = time.monotonic()
    with pytest.raises(ParseError) as caught:
        parse_array_formula(text, problem.names)
    assert time.monotonic() - start < 1.0
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("X:n,d", ("X", ("n", "d"))),
        ("w: d", ("w", ("d",))),
        ("W:3,K", ("W", (3, "K"))),
        ("s:n", ("s", ("n",))),
    ],
)
def test_parse_shape(text: str, expected) -> None:
    assert parse_shape(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("X", "shape 'X' has no ':'"),
        ("X:n,,d", "has an empty size"),
        ("X:n,d,K", "has 3 axes; arrays have at most 2"),
        ("X:0", "size 0 in shape 'X:0' must be between 1 and 10^6"),
        ("X:_n", "size name '_n' is not allowed"),
        ("log:n", "shape name 'log' is a function"),
    ],
)
def test_bad_shapes_are_refused(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=None) as caught:
        parse_shape(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("shapes", "domains", "message"),
    [
        (["X:n,d", "X:n"], None, "the shape of 'X' is given twice"),
        (["X:n,d", "n:d"], None, "'n' is both an array and a size"),
        (["w:d"], ["w:onehot"], "domain onehot of 'w' is for the rows of a matrix; declare it 2-D"),
        (["w:d"], ["d:(0,1)"], "'d' is a size (a positive integer); it takes no domain"),
        (["w:d"], ["w:(0,1)", "w:[0,1]"], "domain of 'w' is given twice"),
    ],
)
def test_bad_declarations_are_refused(shapes, domains, message) -> None:
    with pytest.raises(InputError) as caught:
        array_problem(shapes, domains)
    assert message in str(caught.value)
