"""Issue 13, class 9: a counterexample confirmed exactly always wins; a proof that disagrees with it is
a bug to report, never 'proved'. And only a proved claim is verified (exit 0)."""

from __future__ import annotations

from xent_symbolic import decide
from xent_symbolic.core import Status
from xent_symbolic.verify import verify_gradient


def test_a_confirmed_counterexample_is_not_overridden_by_a_proof(monkeypatch):
    monkeypatch.setattr(decide, "proves_zero", lambda *args, **kwargs: True)  # a prover with a bug
    result = verify_gradient("softplus(z) - y*z", "z", "sigmoid(z) - y + 1/1000")
    assert result.status is Status.REFUTED
    assert "confirmed exactly at the printed point" in result.results[0].method
    assert result.exit_code == 1


def test_a_claim_wrong_by_a_tiny_positive_term_is_never_verified():
    # from the issue: the extra term is positive for every z (about 1e-3 for z > 55)
    result = verify_gradient("softplus(z) - y*z", "z", "sigmoid(z) - y + exp(-exp(-(z-50)))/1000")
    assert result.status is not Status.PROVED
    assert result.exit_code != 0


def test_checked_is_exit_3_and_accept_numeric_makes_it_0():
    strict = verify_gradient("log(z)", "z", "1/abs(z)", timeout=5)
    assert (strict.status, strict.exit_code, strict.proved, strict.ok) == (Status.CHECKED, 3, False, False)
    lenient = verify_gradient("log(z)", "z", "1/abs(z)", timeout=5, accept_numeric=True)
    assert (lenient.status, lenient.exit_code, lenient.proved, lenient.ok) == (Status.CHECKED, 0, False, True)
    assert lenient.report().startswith("checked, not proved (no counterexample at ")
    assert lenient.to_dict()["proved"] is False and lenient.to_dict()["exit_code"] == 0


def test_a_buggy_array_proof_is_overridden_by_a_counterexample(monkeypatch):
    from xent_symbolic.arrays import ArrayProblem

    monkeypatch.setattr(ArrayProblem, "proves_zero", lambda *args, **kwargs: True)  # a prover with a bug
    result = verify_gradient("sum(w**2)", "w", "3 * w", shapes=["w:d"])
    assert (result.status, result.exit_code) == (Status.REFUTED, 1)
    assert "a symbolic proof said otherwise: that is a bug, please report it" in result.results[0].method
