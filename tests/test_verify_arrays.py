"""verify-grad for vectors and matrices: proofs for all sizes, counterexamples with every entry, the diagnoses,
the strict verdict and bad input."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from xent_symbolic.cli import main
from xent_symbolic.core import Status
from xent_symbolic.errors import InputError, ParseError
from xent_symbolic.verify import verify_gradient

LOGISTIC = ["X:n,d", "y:n", "w:d"]
SOFTMAX = ["X:n,d", "W:d,K", "Y:n,K"]
LOGISTIC_LOSS = "mean(softplus(X @ w) - y * (X @ w))"
SOFTMAX_LOSS = "-mean(sum(Y * log(softmax(X @ W, axis=1)), axis=1))"


@pytest.mark.parametrize(
    ("loss", "wrt", "claim", "shapes", "domains", "sizes"),
    [
        (LOGISTIC_LOSS, "w", "X.T @ (sigmoid(X @ w) - y) / n", LOGISTIC, ["y:{0,1}"], "n, d"),
        (LOGISTIC_LOSS, "w", "X.T @ (sigmoid(X @ w) - y) / n", LOGISTIC, None, "n, d"),
        ("mean((X @ w - y)**2)", "w", "2 * X.T @ (X @ w - y) / n", LOGISTIC, None, "n, d"),
        ("w @ A @ w", "w", "(A + A.T) @ w", ["A:d,d", "w:d"], None, "d"),
        ("w @ A @ v", "v", "A.T @ w", ["A:d,d", "w:d", "v:d"], None, "d"),
        (SOFTMAX_LOSS, "W", "X.T @ (softmax(X @ W, axis=1) - Y) / n", SOFTMAX, ["Y:onehot"], "n, d, K"),
        (SOFTMAX_LOSS, "W", "X.T @ (softmax(X @ W, axis=1) - Y) / n", SOFTMAX, ["Y:simplex"], "n, d, K"),
        (
            "sum(log(softmax(Z, axis=1)) * Y)",
            "Z",
            "Y - softmax(Z, axis=1)",
            ["Z:n,K", "Y:n,K"],
            ["Y:onehot"],
            "n, K",
        ),
        ("logsumexp(w)", "w", "softmax(w)", ["w:d"], None, "d"),
        ("sum((w - mean(w))**2) / 2", "w", "w - mean(w)", ["w:d"], None, "d"),
        (
            "mean(s * (softplus(X @ w) - y * (X @ w)))",
            "w",
            "X.T @ (s * (sigmoid(X @ w) - y)) / n",
            [*LOGISTIC, "s:n"],
            ["s:(0,oo)"],
            "n, d",
        ),
        ("sum(w**2) / 2 + c * sum(w)", "w, c", "w + c, sum(w)", ["w:d"], None, "d"),
        (
            "sum(log(p) * y + log(1 - p) * (1 - y))",
            "p",
            "y / p - (1 - y) / (1 - p)",
            ["p:n", "y:n"],
            ["p:(0,1)", "y:[0,1]"],
            "n",
        ),
        ("sum(X * W)", "W", "X", ["X:3,2", "W:3,2"], None, ""),
    ],
)
def test_true_gradients_are_proved_for_all_sizes(loss, wrt, claim, shapes, domains, sizes) -> None:
    result = verify_gradient(loss, wrt, claim, shapes=shapes, domains=domains)
    assert result.status is Status.PROVED, result.report()
    assert (result.proved, result.exit_code) == (True, 0)
    method = (
        f"proved for all sizes {sizes} (index form)"
        if sizes
        else "proved symbolically (index form, fixed sizes)"
    )
    assert {r.method for r in result.results} == {method}


@pytest.mark.parametrize(
    ("loss", "claim", "shapes", "domains", "diagnosis"),
    [
        (
            LOGISTIC_LOSS,
            "X.T @ (sigmoid(X @ w) - y)",
            LOGISTIC,
            ["y:{0,1}"],
            "the claim is n times the gradient: a missing factor 1/n (the repaired claim is proved for all sizes)",
        ),
        (
            "sum(softplus(X @ w) - y * (X @ w))",
            "X.T @ (sigmoid(X @ w) - y) / n",
            LOGISTIC,
            None,
            "an extra factor 1/n: the gradient is n times the claim (the repaired claim is proved for all sizes)",
        ),
        (
            LOGISTIC_LOSS,
            "X.T @ (y - sigmoid(X @ w)) / n",
            LOGISTIC,
            None,
            "the sign is wrong: the gradient is minus the claim (the repaired claim is proved for all sizes)",
        ),
        (
            "mean((X @ w - y)**2)",
            "X.T @ (X @ w - y) / n",
            LOGISTIC,
            None,
            "a missing factor 2: the gradient is twice the claim (the repaired claim is proved for all sizes)",
        ),
        (
            "w @ A @ v",
            "A @ w",
            ["A:d,d", "w:d", "v:d"],
            None,
            "a missing transpose: the gradient is A.T @ w (the repaired claim is proved for all sizes)",
        ),
        (
            "sum(log(softmax(Z, axis=1)) * Y)",
            "Y - softmax(Z, axis=0)",
            ["Z:n,K", "Y:n,K"],
            ["Y:onehot"],
            "the wrong axis: the gradient is Y - softmax(Z, axis=1) (the repaired claim is proved for all sizes)",
        ),
        (
            "w @ A @ w",
            "2 * A @ w",
            ["A:d,d", "w:d"],
            None,
            "the claim holds only for a symmetric A (A = A.T); for a general A the gradient differs "
            "(of w @ A @ w it is (A + A.T) @ w, not 2 * A @ w)",
        ),
        (
            "mean(s * (softplus(X @ w) - y * (X @ w)))",
            "X.T @ (sigmoid(X @ w) - y) / n",
            [*LOGISTIC, "s:n"],
            None,
            "a forgotten weight: the claim leaves out s, and holds only where s = 1",
        ),
        (
            SOFTMAX_LOSS,
            "X.T @ (softmax(X @ W, axis=1) - Y) / n",
            SOFTMAX,
            None,
            "the claim holds only when every row of Y is one-hot (sums to 1); declare it with "
            "--domain Y:onehot (or Y:simplex)",
        ),
    ],
)
def test_the_usual_mistakes_are_refuted_and_diagnosed(loss, claim, shapes, domains, diagnosis) -> None:
    wrt = "W" if "W" in claim else "Z" if "Z" in claim else "v" if "v" in loss else "w"
    result = verify_gradient(loss, wrt, claim, shapes=shapes, domains=domains)
    assert result.status is Status.REFUTED, result.report()
    assert result.exit_code == 1
    assert result.diagnosis == diagnosis


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_a_counterexample_gives_every_entry_and_the_worst_entry_recomputes_in_numpy() -> None:
    result = verify_gradient(
        LOGISTIC_LOSS, "w", "X.T @ (sigmoid(X @ w) - y)", shapes=LOGISTIC, domains=["y:{0,1}"]
    )
    (claim,) = result.results
    n, d = claim.sizes["n"], claim.sizes["d"]
    X, y, w = (np.array(claim.arrays[k], dtype=float) for k in "Xyw")
    assert (X.shape, y.shape, w.shape) == ((n, d), (n,), (d,))
    assert set(y) <= {0.0, 1.0}
    claimed = X.T @ (_sigmoid(X @ w) - y)
    true = claimed / n
    gaps = np.abs(claimed - true) / np.maximum(np.abs(claimed), np.abs(true))
    (k,) = claim.entry
    assert k == int(np.argmax(gaps))
    np.testing.assert_allclose([float(claim.claimed), float(claim.true)], [claimed[k], true[k]], rtol=1e-9)
    data = json.loads(result.to_json())["results"][0]
    assert (data["sizes"], data["entry"], data["arrays"]["y"]) == (claim.sizes, [k], claim.arrays["y"])


@pytest.mark.parametrize(
    "claim",
    [
        "X.T @ (sigmoid(X @ w) - y) / n * (1 + 1e-9)",  # wrong by 1e-9 relative
        "X.T @ (sigmoid(X @ w) - y + exp(-exp(-(X @ w - 50))) / 1000) / n",  # wrong only for X @ w > 40
        "X.T @ (sigmoid(X @ w) - y) / n + 1e-30 * w",  # wrong by a tiny amount everywhere
    ],
)
def test_claims_wrong_only_slightly_or_only_for_huge_values_are_refuted(claim: str) -> None:
    result = verify_gradient(LOGISTIC_LOSS, "w", claim, shapes=LOGISTIC)
    assert result.status is Status.REFUTED, result.report()


def test_fixed_sizes_too_large_to_write_out_are_decided_within_the_budget() -> None:
    assert verify_gradient("sum(w**2)", "w", "2 * w", shapes=["w:100000"]).status is Status.PROVED
    wrong = verify_gradient("sum(w**2)", "w", "3 * w", shapes=["w:100000"], timeout=5)
    assert (wrong.status, wrong.exit_code, wrong.results[0].arrays) == (Status.REFUTED, 1, None)
    assert float(wrong.claimed) == pytest.approx(1.5 * float(wrong.true), rel=1e-12)
    start = time.monotonic()
    slow = verify_gradient(
        "sum(exp(X @ w))", "w", "X.T @ exp(X @ w) * 2", shapes=["X:5000,3", "w:3"], timeout=3
    )
    assert slow.status in (Status.REFUTED, Status.UNKNOWN)
    assert time.monotonic() - start < 3 + 2.5


def test_a_true_claim_the_engine_cannot_prove_is_checked_not_verified() -> None:
    strict = verify_gradient("prod(exp(w))", "w", "exp(sum(w)) + 0 * w", shapes=["w:d"])
    assert (strict.status, strict.exit_code, strict.proved) == (Status.CHECKED, 3, False)
    assert strict.report().startswith("checked, not proved (no counterexample at 60 random points, 50 digits")
    assert "not proved for all sizes d" in strict.report()
    lenient = verify_gradient("prod(exp(w))", "w", "exp(sum(w)) + 0 * w", shapes=["w:d"], accept_numeric=True)
    assert (lenient.status, lenient.exit_code, lenient.proved) == (Status.CHECKED, 0, False)


@pytest.mark.parametrize(
    ("loss", "wrt", "claim", "shapes", "domains", "error", "message"),
    [
        (
            LOGISTIC_LOSS,
            "w",
            "X @ w",
            LOGISTIC,
            None,
            ParseError,
            "claim 1 (d/dw) has shape (n,), but w has shape (d,); a gradient has the shape of its variable",
        ),
        (
            "X @ w",
            "w",
            "X.T",
            LOGISTIC,
            None,
            ParseError,
            "the loss must be a scalar, but it has shape (n,); wrap it in sum(...) or mean(...)",
        ),
        (
            LOGISTIC_LOSS,
            "v",
            "w",
            LOGISTIC,
            None,
            InputError,
            "wrt name 'v' does not occur in the loss; its symbols are X, w, y",
        ),
        (LOGISTIC_LOSS, "w", "w, w", LOGISTIC, None, InputError, "2 claim(s) for 1 variable(s) (w)"),
        (
            LOGISTIC_LOSS,
            "w",
            "w + q",
            LOGISTIC,
            None,
            InputError,
            "claim 1 (d/dw) uses 'q', which does not occur in the loss",
        ),
        (
            LOGISTIC_LOSS,
            "w",
            "w",
            LOGISTIC,
            ["q:(0,1)"],
            InputError,
            "a domain is given for 'q', which does not occur in the loss",
        ),
        (
            SOFTMAX_LOSS,
            "Y",
            "Y",
            SOFTMAX,
            ["Y:onehot"],
            InputError,
            "cannot differentiate by 'Y': its domain onehot has no interior",
        ),
        (
            "sum(X @ y)",
            "y",
            "y",
            LOGISTIC,
            None,
            ParseError,
            "loss: shape mismatch in '@' ('X @ y' at column 5): (n, d) @ (n,)",
        ),
    ],
)
def test_bad_array_input_is_one_line(loss, wrt, claim, shapes, domains, error, message) -> None:
    with pytest.raises(error) as caught:
        verify_gradient(loss, wrt, claim, shapes=shapes, domains=domains)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


COMMAND = [
    "verify-grad",
    "--shape", "X:n,d", "--shape", "y:n", "--shape", "w:d", "--domain", "y:{0,1}",
    "--loss", "mean(softplus(X @ w) - y * (X @ w))", "--wrt", "w",
]  # fmt: skip


def test_the_issue_command_is_proved_verbatim(capsys) -> None:
    code = main([*COMMAND, "--claim", "X.T @ (sigmoid(X @ w) - y) / n"])
    out = capsys.readouterr().out
    assert (code, out) == (
        0,
        "verified (proved for all sizes n, d (index form)): d/dw = X.T @ (sigmoid(X @ w) - y) / n\n",
    )


def test_the_issue_command_without_the_mean_is_refuted_naming_the_factor_n(capsys) -> None:
    code = main([*COMMAND, "--claim", "X.T @ (sigmoid(X @ w) - y)"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("refuted: at n = ")
    assert "  diagnosis: the claim is n times the gradient: a missing factor 1/n" in out


def test_a_shape_mismatch_in_the_cli_is_exit_2_and_one_line(capsys) -> None:
    code = main([*COMMAND, "--claim", "X @ (sigmoid(X @ w) - y) / n"])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == (
        "xent: error: claim 1 (d/dw): shape mismatch in '@' ('X @ (sigmoid(X @ w) - y)' at column 1): "
        "(n, d) @ (n,) (inner sizes d and n differ)\n"
    )


def test_json_says_what_was_proved_for_which_sizes(capsys) -> None:
    code = main([*COMMAND, "--claim", "X.T @ (sigmoid(X @ w) - y) / n", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert (code, data["status"], data["proved"], data["exit_code"]) == (0, "proved", True, 0)
    (claim,) = data["results"]
    assert (claim["wrt"], claim["claim"], claim["scope"]) == (
        "w",
        "X.T @ (sigmoid(X @ w) - y) / n",
        "all sizes n, d",
    )
    assert claim["method"] == "proved for all sizes n, d (index form)"


def test_a_checked_array_claim_exits_3_unless_numeric_is_accepted(capsys) -> None:
    argv = [
        "verify-grad",
        "--shape",
        "w:d",
        "--loss",
        "prod(exp(w))",
        "--wrt",
        "w",
        "--claim",
        "exp(sum(w)) + 0 * w",
    ]
    assert main(argv) == 3
    assert capsys.readouterr().out.startswith("checked, not proved (no counterexample at 60 random points")
    assert main([*argv, "--accept-numeric", "--json"]) == 0
    (claim,) = json.loads(capsys.readouterr().out)["results"]
    assert (claim["status"], claim["scope"]) == (
        "checked",
        "numeric evidence at sizes up to 4 only; not proved for all sizes d",
    )


def test_the_reported_digits_do_not_depend_on_the_process_precision() -> None:
    import mpmath

    def report():
        return verify_gradient(LOGISTIC_LOSS, "w", "X.T @ (sigmoid(X @ w) - y)", shapes=LOGISTIC).report()

    default = report()
    with mpmath.workdps(50):
        raised = report()
    assert raised == default
