"""Property: array verify-grad never proves a claim that differs from the gradient.

A true array gradient is mutated the way hand derivations go wrong (a factor off by 1e-9 or by a size, a sign,
a transpose, a flipped axis, a dropped term, a shifted constant); whatever verify-grad says, "proved" must hold
up: the claim and the gradient (by autodiff-free central differences of an independent NumPy loss, and by the
exact index form at 50 digits) agree at random arrays of random sizes.
"""

from __future__ import annotations

import itertools

import mpmath
import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from xent_symbolic.arrays import array_problem, parse_array_formula
from xent_symbolic.calculus import collapse_deltas
from xent_symbolic.core import Status
from xent_symbolic.sums import write_out_sums
from xent_symbolic.verify import verify_gradient

#: (loss, variable, true gradient, shapes, domains)
CASES = [
    (
        "mean(softplus(X @ w) - y * (X @ w))",
        "w",
        "X.T @ (sigmoid(X @ w) - y) / n",
        ["X:n,d", "y:n", "w:d"],
        None,
    ),
    ("mean((X @ w - y)**2)", "w", "2 * X.T @ (X @ w - y) / n", ["X:n,d", "y:n", "w:d"], None),
    ("w @ A @ w", "w", "(A + A.T) @ w", ["A:d,d", "w:d"], None),
    ("w @ A @ v", "v", "A.T @ w", ["A:d,d", "w:d", "v:d"], None),
    ("sum(log(softmax(Z, axis=1)) * Y)", "Z", "Y - softmax(Z, axis=1)", ["Z:n,K", "Y:n,K"], ["Y:onehot"]),
    ("logsumexp(w)", "w", "softmax(w)", ["w:d"], None),
    ("sum((w - mean(w))**2) / 2", "w", "w - mean(w)", ["w:d"], None),
    ("sum(exp(X @ w)) / n", "w", "X.T @ exp(X @ w) / n", ["X:n,d", "w:d"], None),
]

#: text mutations: (name, function of the true claim's text) -> a claim that is wrong unless by coincidence
MUTATIONS = [
    ("times 1 + 1e-9", lambda c: f"({c}) * (1 + 1e-9)"),
    ("plus 1e-12", lambda c: f"({c}) + 1e-12"),
    ("negated", lambda c: f"-({c})"),
    ("halved", lambda c: f"({c}) / 2"),
    ("times n", lambda c: f"({c}) * n"),
    ("over d", lambda c: f"({c}) / d"),
    ("transposed", lambda c: c.replace(".T @", " @", 1) if ".T @" in c else c.replace("A @", "A.T @", 1)),
    ("axis flipped", lambda c: c.replace("axis=1", "axis=0")),
    ("first term dropped", lambda c: c.split(" - ", 1)[1] if " - " in c else c),
    ("squared", lambda c: f"({c}) ** 2"),
]


def _index_values(problem, sizes: dict[str, int], rng: np.random.Generator, scale: float) -> dict:
    """Random entries for every array and scalar at the given sizes (one-hot rows where so declared)."""
    values = {}
    for name, (base, shape) in problem.names.arrays.items():
        dims = tuple(
            int(sp.sympify(s).xreplace({problem.names.sizes[k]: v for k, v in sizes.items()})) for s in shape
        )
        if problem.rows.get(name) == "onehot":
            array = np.eye(dims[1])[rng.integers(0, dims[1], size=dims[0])]
        else:
            array = rng.normal(size=dims) * scale
        for ix in itertools.product(*(range(s) for s in dims)):
            values[base[tuple(i + 1 for i in ix)]] = sp.Rational(str(array[ix]))
    return values


def _agree_everywhere(loss: str, wrt: str, claim: str, shapes, domains, seed: int) -> bool:
    """Whether the claim equals the exact gradient (sp.diff of the index form, written out at concrete sizes)
    at every entry, at three random sizes and points of three magnitudes, to 30 digits."""
    problem = array_problem(shapes, domains)
    truth_tensor = parse_array_formula(loss, problem.names)
    claim_tensor = parse_array_formula(claim, problem.names)
    base, shape = problem.names.arrays[wrt]
    rng = np.random.default_rng(seed)
    for sizes_choice, scale in zip(((2, 3, 4), (3, 1, 2), (1, 4, 3)), (1.0, 10.0, 0.1), strict=True):
        sizes = dict(zip(problem.names.sizes, sizes_choice, strict=False))
        concrete = {problem.names.sizes[k]: sp.Integer(v) for k, v in sizes.items()}
        values = _index_values(problem, sizes, rng, scale)
        assumptions = problem.assumptions()
        dims = tuple(int(sp.sympify(s).xreplace(concrete)) for s in shape)
        loss_concrete = write_out_sums(
            truth_tensor.body.xreplace(concrete)
        ).doit()  # one-hot Y: its own entries
        for ix in itertools.product(*(range(1, s + 1) for s in dims)):
            entry = base[ix]
            true = collapse_deltas(sp.diff(loss_concrete, entry), assumptions).xreplace(values)
            mine = write_out_sums(claim_tensor.at(*map(sp.Integer, ix)).xreplace(concrete)).doit()
            mine = mine.xreplace(values)
            a, b = sp.N(true, 30), sp.N(mine, 30)
            with mpmath.workdps(30):
                if abs(a - b) > sp.Float(1e-25, 30) * max(abs(a), abs(b), 1):
                    return False
    return True


@settings(max_examples=60)
@given(case=st.sampled_from(CASES), mutation=st.sampled_from(MUTATIONS), seed=st.integers(0, 2**16))
def test_array_verify_grad_never_proves_a_claim_that_differs_from_the_gradient(case, mutation, seed):
    loss, wrt, claim, shapes, domains = case
    mutated = mutation[1](claim)
    try:
        result = verify_gradient(loss, wrt, mutated, shapes=shapes, domains=domains, timeout=5)
    except Exception as exc:  # a mutation that breaks the shapes is bad input: refused, never proved
        assert type(exc).__name__ in ("ParseError", "InputError"), exc
        return
    if result.status is Status.PROVED:
        assert _agree_everywhere(loss, wrt, mutated, shapes, domains, seed), (mutation[0], mutated)
    elif mutated == claim:
        assert result.status is Status.PROVED  # an unchanged true claim is proved


def test_the_true_claims_are_proved_and_agree() -> None:
    for loss, wrt, claim, shapes, domains in CASES:
        assert verify_gradient(loss, wrt, claim, shapes=shapes, domains=domains).status is Status.PROVED
        assert _agree_everywhere(loss, wrt, claim, shapes, domains, 1)
        assert not _agree_everywhere(loss, wrt, f"({claim}) * (1 + 1e-9)", shapes, domains, 1)
