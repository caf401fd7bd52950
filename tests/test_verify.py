"""verify_gradient: equivalent claims verified, wrong ones refuted at a point, usual mistakes named."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from xent_symbolic import check, verify_gradient
from xent_symbolic.assumptions import Assumptions
from xent_symbolic.core import Derivation, Name, Relation, Status
from xent_symbolic.errors import InputError, ParseError, RuleError, XentError
from xent_symbolic.functions import sigmoid, softplus
from xent_symbolic.primitives import MPMATH_FUNCTIONS
from xent_symbolic.verdict import exit_code
from xent_symbolic.verify import ClaimGradient, gradient_step

BCE = "-y*log(sigmoid(z)) - (1-y)*log(1-sigmoid(z))"
LINEAR = "-y*log(sigmoid(w*x + b)) - (1-y)*log(1-sigmoid(w*x + b))"


def _at(formula: str, point: dict[str, str], dps: int = 50, digits: int = 17) -> str:
    """formula evaluated independently at the point with mpmath, to `digits` significant digits."""
    symbols = {name: sp.Symbol(name, real=True) for name in point}
    expr = sp.sympify(
        formula, locals={**symbols, "sigmoid": sigmoid, "softplus": softplus}
    )  # trusted test text
    function = sp.lambdify(list(symbols.values()), expr, modules=[MPMATH_FUNCTIONS, "mpmath"])
    with mpmath.workdps(dps):
        return mpmath.nstr(function(*(mpmath.mpf(v) for v in point.values())), digits)


@pytest.mark.parametrize(
    ("claim", "status"),
    [
        ("sigmoid(z) - y", Status.PROVED),
        ("1/(1 + exp(-z)) - y", Status.PROVED),
        ("(tanh(z/2) + 1)/2 - y", Status.PROVED),
        ("exp(z)/(1 + exp(z)) - y", Status.PROVED),
        ("(1 - y)*sigmoid(z) - y*(1 - sigmoid(z))", Status.PROVED),
        ("-(y - sigmoid(z))", Status.PROVED),
        ("sigmoid(z)*(1 - y) - y*sigmoid(-z)", Status.PROVED),
    ],
    ids=["sigmoid", "exp", "tanh", "exp-ratio", "expanded", "factored", "sigmoid-of-minus-z"],
)
def test_equivalent_forms_of_the_bce_gradient_are_verified(claim, status):
    result = verify_gradient(BCE, "z", claim)
    assert (result.status, result.exit_code, result.counterexample, result.diagnosis) == (
        status,
        0,
        None,
        None,
    )
    assert result.ok and result.derivative == "-y + sigmoid(z)"


@pytest.mark.parametrize(
    "claim",
    [
        "1/2 + z/4 - z**3/48 - y",  # Taylor polynomial: right only for small |z|
        "1 - y",  # right only for large z
        "-y",  # right only for very negative z
        "(1 + 1e-9)*(sigmoid(z) - y)",  # off by 1e-9, relative
        "sigmoid(z) - y + 1e-25",  # off by 1e-25, absolute
        "sigmoid(z) - y**2",  # right at y in {0, 1} only
        "sigmoid(z) - y + y*(1 - y)",  # right at y in {0, 1} only
        "sigmoid(z) - y + exp(-1000/z**2)",  # right near z = 0 only (to 1e-400 at z = 1)
    ],
    ids=[
        "taylor",
        "large-z",
        "negative-z",
        "off-by-1e-9",
        "off-by-1e-25",
        "labels-only-1",
        "labels-only-2",
        "flat",
    ],
)
def test_claims_right_on_part_of_the_domain_only_are_refuted(claim):
    result = verify_gradient(BCE, "z", claim)
    assert (result.status, result.exit_code) == (Status.REFUTED, 1)
    point = result.counterexample
    assert set(point) == {"y", "z"}
    digits = 25 if "1e-25" in claim else 17  # printed with more digits where 17 would not tell them apart
    assert result.claimed == _at(
        claim.replace("1e-9", "(1/10**9)").replace("1e-25", "(1/10**25)"), point, 120, digits
    )
    assert result.true == _at("sigmoid(z) - y", point, 120, digits)
    assert result.claimed != result.true
    assert "confirmed exactly at the printed point" in result.results[0].method


def test_labels_in_the_unit_interval_still_refute_a_claim_right_only_at_0_and_1():
    result = verify_gradient(BCE, "z", "sigmoid(z) - y**2", domains=["y:(0,1)"])
    assert result.status == Status.REFUTED
    assert 0 < float(result.counterexample["y"]) < 1


def test_huge_magnitudes_are_sampled_on_an_unbounded_interval():
    result = verify_gradient("-log(s)", "s", "-1/s + exp(-100/s)", domains=["s:(0,oo)"])
    assert result.status == Status.REFUTED and float(result.counterexample["s"]) > 100


def test_near_equal_values_are_printed_with_enough_digits_to_differ():
    result = verify_gradient(
        "-y*log(p) - (1-y)*log(1-p)", "p", "-y/p + (1-y)/(1-p) + 1e-30", domains=["p:(0,1)"]
    )
    assert result.status == Status.REFUTED and 0 < float(result.counterexample["p"]) < 1
    assert result.claimed != result.true and len(result.claimed) > 17


@pytest.mark.parametrize(
    ("claim", "diagnosis"),
    [
        ("y - sigmoid(z)", "sign flipped: the claim is -(d/dz)"),
        ("2*(sigmoid(z) - y)", "off by a constant factor: the claim is 2 times d/dz"),
        ("(sigmoid(z) - y)/2", "off by a constant factor: the claim is 1/2 times d/dz"),
        ("sigmoid(z) - (1 - y)", "labels swapped: the claim is d/dz with y replaced by 1 - y"),
        ("sigmoid(z)", "a missing term: the claim is d/dz without the term -y"),
        ("-y", "a missing term: the claim is d/dz without the term sigmoid(z)"),
        ("-y*(1 - sigmoid(z))", "a missing term: the claim is d/dz without the term (1 - y)*sigmoid(z)"),
        ("z", None),
    ],
)
def test_the_usual_mistakes_are_named(claim, diagnosis):
    result = verify_gradient(BCE, "z", claim)
    assert (result.status, result.diagnosis) == (Status.REFUTED, diagnosis)


def test_a_missing_one_over_n_is_named():
    loss = "(sigmoid(z) - y)**2/n"
    result = verify_gradient(
        loss, "z", "2*(sigmoid(z) - y)*sigmoid(z)*(1 - sigmoid(z))", domains=["n:(0,oo)"]
    )
    assert result.diagnosis == "off by a factor n: the claim is n times d/dz (a missing 1/n?)"
    extra = verify_gradient(
        loss, "z", "2*(sigmoid(z) - y)*sigmoid(z)*(1 - sigmoid(z))/n**2", domains=["n:(0,oo)"]
    )
    assert extra.diagnosis == "off by a factor n: the claim is d/dz divided by n (an extra 1/n?)"


def test_two_symbols_one_line_each_and_the_worst_decides():
    right = verify_gradient(LINEAR, "w,b", "x*(sigmoid(w*x + b) - y), sigmoid(w*x + b) - y")
    assert [r.status for r in right.results] == [Status.PROVED, Status.PROVED] and right.exit_code == 0
    assert right.report().splitlines()[-1] == "overall: proved"
    wrong = verify_gradient(LINEAR, ["w", "b"], ["x*(sigmoid(w*x + b) - y)", "x*(sigmoid(w*x + b) - y)"])
    assert [r.status for r in wrong.results] == [Status.PROVED, Status.REFUTED]
    assert (wrong.status, wrong.exit_code, wrong.deciding.wrt.name) == (Status.REFUTED, 1, "b")
    assert wrong.derivative == "-y + sigmoid(b + w*x)"
    assert set(wrong.counterexample) == {"b", "w", "x", "y"}


def test_a_proof_overrides_digits_lost_to_cancellation():
    # (z + e^100)^2 loses 87 digits at 50-digit precision; the claim is exactly z/2
    claim = "((z + exp(100))**2 - exp(200) - 2*z*exp(100))/(2*z)"
    assert verify_gradient("z**2/4", "z", claim).status == Status.PROVED
    assert verify_gradient("z**2/4", "z", claim + " + 1e-20").status == Status.REFUTED


def test_points_where_the_loss_is_not_real_are_skipped_not_refuted():
    result = verify_gradient("log(z)", "z", "1/abs(z)")
    assert result.status == Status.CHECKED
    method = result.results[0].method
    assert (
        method.startswith("no counterexample at ") and "50 digits" in method and "skipped: not real" in method
    )
    assert method.endswith("not proved symbolically within 10 s")


def test_unknown_when_no_point_is_real():
    result = verify_gradient("sqrt(-1 - z**2)", "z", "z/sqrt(-1 - z**2)")
    assert (result.status, result.exit_code, result.counterexample) == (Status.UNKNOWN, 3, None)
    assert result.results[0].method == (
        "not proved symbolically within 10 s; no numeric evidence: the loss, the claim or the derivative is not real "
        "at any of the 60 points tried"
    )


def test_unknown_when_the_budget_is_zero():
    result = verify_gradient(BCE, "z", "1/(1 + exp(-z)) - y", timeout=0)
    assert (result.status, result.exit_code) == (Status.UNKNOWN, 3)
    assert result.results[0].method == "not proved symbolically within 0 s; no time left for numeric evidence"
    # an identical claim needs no time at all
    assert (
        verify_gradient(BCE, "z", "-y*(1 - sigmoid(z)) + (1 - y)*sigmoid(z)", timeout=0).status
        == Status.PROVED
    )


def test_sympy_expressions_are_accepted_and_made_real():
    z, y = sp.symbols("z y")  # no assumptions: complex by default
    loss = softplus(z) - y * z
    assert verify_gradient(loss, z, sigmoid(z) - y).status == Status.PROVED
    assert verify_gradient(loss, [z], [sp.Derivative(sp.log(1 + sp.exp(z)), z) - y]).status == Status.PROVED
    p = sp.Symbol("p")
    result = verify_gradient(-sp.log(p), p, -1 / p + p * 1e-30, domains={p: sp.Interval.open(0, 1)})
    assert result.status == Status.REFUTED and 0 < float(result.counterexample["p"]) < 1


def test_the_result_has_the_json_fields():
    result = verify_gradient(BCE, "z", "y - sigmoid(z)")
    data = result.to_dict()
    assert list(data)[:6] == ["status", "counterexample", "claimed", "true", "diagnosis", "derivative"]
    assert data["status"] == "refuted" and data["derivative"] == "-y + sigmoid(z)"
    assert data["claimed"] == _at("y - sigmoid(z)", data["counterexample"])
    assert data["true"] == _at("sigmoid(z) - y", data["counterexample"])
    assert data["results"][0]["wrt"] == "z" and data["wrt"] == ["z"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"loss": "z*y", "wrt": "z", "claim": "y, z"},
            InputError,
            "2 claim(s) for 1 symbol(s) (z); give one claim per symbol, in the same order",
        ),
        (
            {"loss": "z*y", "wrt": "q", "claim": "y"},
            InputError,
            "wrt symbol 'q' does not occur in the loss; its symbols are y, z",
        ),
        (
            {"loss": "z*y", "wrt": "z", "claim": "Y"},
            InputError,
            "claim 1 (d/dz) uses 'Y', which does not occur in the loss; did you mean 'y'?",
        ),
        (
            {"loss": "z", "wrt": "z", "claim": "1", "domains": ["y:(0,1)"]},
            InputError,
            "a domain is given for 'y', which does not occur in the loss",
        ),
        (
            {"loss": "z", "wrt": "z", "claim": "1", "domains": ["z:(0,1)", "z:(0,2)"]},
            InputError,
            "domain of 'z' is given twice; give each symbol one domain",
        ),
        (
            {"loss": "z", "wrt": "z", "claim": "1", "timeout": float("nan")},
            InputError,
            "timeout must be a finite number of seconds, not nan",
        ),
        (
            {"loss": "z", "wrt": "z", "claim": "1", "timeout": -1},
            InputError,
            "timeout must lie between 0 and 3600 seconds, not -1",
        ),
        (
            {"loss": "z", "wrt": "z,z", "claim": "1,1"},
            ParseError,
            "name 'z' is listed twice in 'z,z'; list each name once",
        ),
        (
            {"loss": "9**9**9**9", "wrt": "z", "claim": "1"},
            ParseError,
            (
                "exponent too large in '9**9**9' at column 4; numeric powers are limited to |exponent| <= 1000, results of "
                "about 3000 digits and roots of numbers of about 300 digits"
            ),
        ),
        (
            {"loss": sp.Function("f")(sp.Symbol("z")), "wrt": "z", "claim": "1"},
            InputError,
            "loss uses the undefined function f(z); write it out",
        ),
        (
            {"loss": 42, "wrt": "z", "claim": "1"},
            InputError,
            "loss must be text or a SymPy expression, not int",
        ),
    ],
)
def test_bad_input_is_one_exact_error(kwargs, error, message):
    with pytest.raises(error) as info:
        verify_gradient(**kwargs)
    assert str(info.value) == message and isinstance(info.value, XentError)


def test_strings_never_reach_sympy_parsing(monkeypatch):
    from sympy.parsing import sympy_parser

    def refuse(*args, **kwargs):
        raise AssertionError("parse_expr was called")

    monkeypatch.setattr(sympy_parser, "parse_expr", refuse)
    monkeypatch.setattr(sp, "parse_expr", refuse)
    assert verify_gradient(BCE, "z", "sigmoid(z) - y", domains=["y:(0,1)"]).status == Status.PROVED


# ------------------------------------------------------------------------------------- a derivation of one's own

_z, _y = sp.Symbol("z", real=True), sp.Symbol("y", real=True)
_OWN = Derivation("mine", "my loss", softplus(_z) - _y * _z, Assumptions(), Name("L", "L"))


def test_a_right_gradient_step_appended_to_a_derivation_is_proved():
    derivation = gradient_step(_OWN, "z", "1/(1 + exp(-z)) - y")
    step = derivation.steps[-1]
    assert (step.rule, step.rule.name, step.relation, step.before, step.name.text) == (
        ClaimGradient(_z, 1 / (1 + sp.exp(-_z)) - _y),
        "claimed-gradient",
        Relation.DEFINES,
        _OWN.start,
        "dL/dz",
    )
    assert step.after == 1 / (1 + sp.exp(-_z)) - _y
    assert step.transform(step.before) == sp.Derivative(
        _OWN.start, _z
    )  # evaluated by the checker, not the rule
    checked = check(derivation)
    assert checked.ok and checked.steps[-1].status is Status.PROVED


def test_a_wrong_gradient_step_appended_to_a_derivation_is_refuted():
    checked = check(gradient_step(_OWN, _z, _y - sigmoid(_z)))
    (obligation,) = checked.steps[-1].obligations
    assert obligation.status is Status.REFUTED and obligation.counterexample
    first, second = (float(v) for v in obligation.values)
    assert first == pytest.approx(-second) and first != 0


def test_a_gradient_step_needs_its_symbol_in_the_expression():
    with pytest.raises(InputError, match="wrt symbol 'q' does not occur in"):
        gradient_step(_OWN, "q", "1")
    with pytest.raises(RuleError, match="does not occur in"):
        _OWN.apply(ClaimGradient(sp.Symbol("q", real=True), sp.S.One))


def test_verdict_exit_codes():
    assert [exit_code(s) for s in Status] == [0, 3, 3, 1]  # PROVED, CHECKED, UNKNOWN, REFUTED
    assert [exit_code(s, accept_numeric=True) for s in Status] == [0, 0, 3, 1]


def test_the_status_is_the_checkers_status_enum_and_text_and_json_use_its_value():
    result = verify_gradient(BCE, "z", "1/(1 + exp(-z)) - y", timeout=0)
    (claim,) = result.results
    assert type(result.status) is Status and type(claim.status) is Status
    assert (result.status, claim.status, result.exit_code) == (Status.UNKNOWN, Status.UNKNOWN, 3)
    assert result.to_dict()["status"] == "unknown" and result.to_dict()["results"][0]["status"] == "unknown"
    assert result.report() == (
        "unknown (not proved symbolically within 0 s; no time left for numeric evidence): "
        "d/dz = -y + 1/(1 + exp(-z))\n"
    )
    both = verify_gradient("z**2 + w**2", "z, w", "2*z, 3*w")
    assert [r.status for r in both.results] == [Status.PROVED, Status.REFUTED]
    assert (both.status, both.ok, both.report().splitlines()[-1]) == (
        Status.REFUTED,
        False,
        "overall: refuted",
    )
