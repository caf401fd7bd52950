"""Issue 13, class 12 (the parser): complex constants and bad log bases are refused with one line, and domain
ends such as sqrt(2) or 2*pi work instead of crashing."""

from __future__ import annotations

import pytest
import sympy as sp

from xent_symbolic.cli import main
from xent_symbolic.core import Status
from xent_symbolic.errors import ParseError
from xent_symbolic.parse import parse_formula


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "z*sqrt(-1)",
            "'sqrt(-1)' is not a real number at column 3; formulas are real: no roots or logs of negatives",
        ),
        (
            "log(-2)*z",
            "'log(-2)' is not a real number at column 1; formulas are real: no roots or logs of negatives",
        ),
        (
            "(-8)**(1/3)*z",
            "'(-8)**(1/3)' is not a real number at column 1; formulas are real: no roots or logs of negatives",
        ),
        (
            "log(z, -1)",
            "log base '-1' is not a positive number other than 1 at column 8; write log(x, b) with b > 0 and "
            "b != 1, or log(x) for the natural logarithm",
        ),
        (
            "log(z, 0)",
            "log base '0' is not a positive number other than 1 at column 8; write log(x, b) with b > 0 and "
            "b != 1, or log(x) for the natural logarithm",
        ),
    ],
)
def test_formulas_that_are_not_real_are_refused(text, message):
    with pytest.raises(ParseError) as error:
        parse_formula(text)
    assert str(error.value) == message


def test_a_real_power_and_a_real_log_base_are_accepted():
    z = parse_formula("z").free_symbols.pop()
    assert str(parse_formula("log(z, 2) + sqrt(2)*z + exp(z)**0.5")) == "sqrt(2)*z + exp(z/2) + log(z)/log(2)"
    assert z.is_real


def test_the_cli_refuses_a_complex_claim_with_exit_2(capsys):
    code = main(["verify-grad", "--loss", "z*sqrt(-1)", "--wrt", "z", "--claim", "sqrt(-1)"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("xent: error: 'sqrt(-1)' is not a real number at column 3")


@pytest.mark.parametrize("domain", ["x:(0,sqrt(2))", "x:(2*pi,oo)", "x:(E,pi)"])
def test_irrational_domain_ends_work(capsys, domain):
    code = main(
        ["verify-grad", "--loss", "x**3", "--wrt", "x", "--claim", "3*x**2 + 1e-30", "--domain", domain]
    )
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("refuted: at x = ")
    code = main(["verify-grad", "--loss", "x**3", "--wrt", "x", "--claim", "3*x**2", "--domain", domain])
    assert code == 0


def test_a_rewrite_wrong_by_a_tiny_constant_far_below_one_is_refuted():
    # issue 13, class 12: values below 1 were compared with an absolute 1e-38; exp(x) + 1e-45 differs from
    # exp(x) by a large relative amount where exp(x) is tiny
    import sympy as sp

    from xent_symbolic import Assumptions, Derivation, Name, Status, check
    from xent_symbolic.rules import Rewrite

    x = sp.Symbol("x", real=True)
    nudge = Rewrite("nudge", lambda e: e + sp.Float("1e-45", 60), "adds nothing, it claims")
    assumptions = Assumptions(domains=((x, sp.S.Reals),), parameters=(x,))
    checked = check(Derivation("t", "t", sp.exp(x), assumptions, Name("f", "f")).apply(nudge), budget=0.0)
    assert checked.status is Status.REFUTED


def test_a_claim_that_is_not_real_where_the_derivative_is_is_refuted():
    # issue 13, class 12: such points were skipped, not refuted
    from xent_symbolic.core import Status
    from xent_symbolic.verify import verify_gradient

    result = verify_gradient("z**2/2", "z", "z + sqrt(z) - sqrt(abs(z))")  # equal for z >= 0 only
    assert result.status is Status.REFUTED
    assert (
        result.report().startswith("refuted: at z = -")
        and " the claim gives no real value but d/dz = " in result.report()
    )


def test_index_limits_given_as_python_ints_are_read_as_sympy_numbers():
    # issue 13, class 12: the README's own indices=((i, 1, n),) crashed on lookup (1 has no .is_number)
    from xent_symbolic.assumptions import Assumptions
    from xent_symbolic.check import decide_equal

    n = sp.Symbol("n", integer=True, positive=True)
    i, k = sp.Symbol("i", integer=True), sp.Symbol("k", integer=True)
    x = sp.IndexedBase("x", real=True)
    a = Assumptions(domains=((x, sp.S.Reals),), indices=((i, 1, n), (k, 1, 3)))
    assert a.indices == ((i, sp.S.One, n), (k, sp.S.One, sp.Integer(3)))
    assert a.domain_of(k) == sp.Range(1, 4)
    assert (
        decide_equal(sp.Sum(x[i], (i, 1, n)) - x[k], sp.Sum(x[i], (i, 1, n)) - x[k], a).status
        is Status.PROVED
    )
