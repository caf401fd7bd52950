"""Numeric traces: seed 000's two points, and the underflow that the log step avoids (seed 001)."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

from xent_symbolic.cli import main
from xent_symbolic.errors import InputError, UnknownNameError
from xent_symbolic.trace import parse_values, trace


def test_seed_000_red_and_blue_points(bce):
    # P(R) = 0.6 for the red point (y = 1), P(B) = 0.7 for the blue point (y = 0, so yhat_2 = 0.3)
    rows = trace(bce, parse_values(["n=2", "y=1,0", "yhat=0.6,0.3"])).rows
    assert rows[0].float64 == pytest.approx((0.6, 0.7), abs=1e-15)
    assert rows[2].float64 == pytest.approx(0.42, abs=1e-15)
    assert mpmath.nstr(rows[3].exact, 4) == "-0.8675"
    assert mpmath.nstr(rows[6].exact, 4) == "0.8675"
    assert mpmath.nstr(rows[7].exact, 4) == "0.4338"
    assert not any(row.float64_fails for row in rows)


def test_with_2000_examples_the_product_underflows_but_the_sum_of_logs_does_not(bce):
    rows = trace(bce, parse_values(["n=2000", "y=1", "yhat=0.6"])).rows
    product, log_of_product, sum_of_logs = rows[2], rows[3], rows[4]
    assert product.float64 < 1e-323  # 0.6^2000 = 2.0e-444 is far below float64's smallest number
    assert mpmath.nstr(product.exact, 5) == "2.0068e-444"
    assert product.float64_fails and log_of_product.float64_fails
    assert not sum_of_logs.float64_fails
    assert sum_of_logs.float64 == pytest.approx(
        2000 * float(mpmath.log(mpmath.mpf("0.6"))), rel=1e-13
    )  # 2000 float64 additions: 13 digits


def test_values_are_read_exactly_and_checked_against_the_domains(bce):
    assert parse_values(["n=2", "yhat=0.6,3/10"]) == {
        "n": Fraction(2),
        "yhat": [Fraction(3, 5), Fraction(3, 10)],
    }
    with pytest.raises(InputError, match=r"^y\[2\] = 1/2 lies outside its domain \{0, 1\}$"):
        trace(bce, parse_values(["n=2", "y=1,0.5", "yhat=0.6,0.3"]))
    with pytest.raises(InputError, match=r"^yhat needs 2 values \(one per example\), got 3$"):
        trace(bce, parse_values(["n=2", "y=1,0", "yhat=0.6,0.3,0.1"]))
    with pytest.raises(InputError, match=r"^give a value for yhat"):
        trace(bce, parse_values(["n=2", "y=1,0"]))
    with pytest.raises(UnknownNameError, match=r"^unknown quantity 'yht'; did you mean 'yhat', 'y'\?$"):
        trace(bce, parse_values(["n=2", "y=1,0", "yht=0.5"]))
    with pytest.raises(InputError, match=r"^n must be a positive whole number, not 2.5$"):
        trace(bce, parse_values(["n=2.5", "y=1", "yhat=0.5"]))


def test_unreadable_values_are_one_line_errors():
    with pytest.raises(InputError, match=r"^cannot read the value 'yhat'; write NAME=NUMBER"):
        parse_values(["yhat"])
    with pytest.raises(InputError, match=r"^cannot read the numbers in 'yhat=__import__\(1\)'"):
        parse_values(["yhat=__import__(1)"])


def test_the_cli_prints_the_table_and_flags_float64(capsys):
    assert main(["trace", "bce", "--values", "n=2000", "y=1", "yhat=0.6"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "trace bce at n=2000, y=1, yhat=0.6"
    assert out.count("<- float64 is wrong here") == 2
    assert main(["trace", "bce", "--values", "n=0", "y=1", "yhat=0.6"]) == 2
    assert capsys.readouterr().err == "xent: error: n must be a positive whole number, not 0\n"


def test_a_matrix_takes_one_value_per_entry_row_by_row():
    from xent_symbolic.catalog import get

    derivation = get("cross-entropy").build()
    table = trace(derivation, parse_values(["n=2", "K=2", "P=0.6,0.4,0.3,0.7", "Y=1,0,0,1"]))
    with mpmath.workdps(50):
        expected = -(mpmath.log(mpmath.mpf(6) / 10) + mpmath.log(mpmath.mpf(7) / 10)) / 2
        assert abs(table.rows[-1].exact - expected) < mpmath.mpf("1e-45")
    with pytest.raises(InputError, match=r"^P needs 4 values \(n x K = 4, row by row\), got 2$"):
        trace(derivation, parse_values(["n=2", "K=2", "P=0.6,0.4", "Y=1,0,0,1"]))
    with pytest.raises(InputError, match=r"^P\[2, 1\] = 7/5 lies outside its domain \(0, 1\)$"):
        trace(derivation, parse_values(["n=2", "K=2", "P=0.6,0.4,1.4,0.7", "Y=1,0,0,1"]))


def test_sizes_are_bounded_before_any_work(bce):
    with pytest.raises(InputError, match=r"^n=1000000 asks for 1000000 terms, over trace's limit of 10000 "):
        trace(bce, parse_values(["n=1000000", "y=1", "yhat=0.5"]))


def test_a_gradient_derivation_is_refused_up_front():
    from xent_symbolic.catalog import get

    with pytest.raises(
        InputError, match=r"^'logistic-regression' derives a gradient .* which trace does not "
    ):
        trace(get("logistic-regression").build(), parse_values(["n=1"]))


def test_huge_numbers_are_refused_before_they_are_built():
    with pytest.raises(
        InputError, match=r"^the number '1e99999999' in 'yhat' is too long; use at most 100 digits"
    ):
        parse_values(["yhat=1e99999999"])
    with pytest.raises(InputError, match=r"^the number '11111111111111111111' in 'y' is too long"):
        parse_values(["y=" + "1" * 101])
