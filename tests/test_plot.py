"""Seed 002's figure: the curves come from the derivation's own per-example loss."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from xent_symbolic.cli import main
from xent_symbolic.errors import InputError, XentError
from xent_symbolic.plot import figure_bytes, loss_curves, per_example_loss


def test_the_curves_are_minus_log_p_and_minus_log_one_minus_p(bce):
    positive, negative = loss_curves(bce, points=99)
    p = sp.Symbol("p")
    assert (positive.label, positive.expression) == ("y = 1", -sp.log(p))
    assert (negative.label, negative.expression) == ("y = 0", -sp.log(1 - p))
    middle = list(positive.probability).index(0.5)
    assert positive.loss[middle] == pytest.approx(math.log(2), rel=1e-15)
    assert negative.loss[middle] == pytest.approx(math.log(2), rel=1e-15)
    assert positive.loss_of_logit[0] == pytest.approx(math.log1p(math.exp(10)), rel=1e-12)


def test_a_derivation_without_a_per_example_probability_loss_is_refused(bce):
    from xent_symbolic.catalog.notation import yhat
    from xent_symbolic.core import Derivation, Name

    two_predictions = Derivation("pair", "pair", yhat[1] * yhat[2], bce.assumptions, Name("f", "f"))
    with pytest.raises(
        XentError,
        match=r"^'pair' does not end in the loss of one predicted probability and one label; plot a loss such as 'bce'$",
    ):
        per_example_loss(two_predictions)


def test_unknown_figure_suffixes_are_refused(bce):
    with pytest.raises(InputError, match=r"^cannot draw a \.pdf file; name it \.png or \.svg$"):
        figure_bytes(bce, ".pdf")


def test_the_cli_writes_a_png_and_an_svg(capsys, tmp_path):
    pytest.importorskip("matplotlib", reason="plotting needs the plot extra (matplotlib)")
    assert main(["plot", "bce", "-o", str(tmp_path / "bce.png")]) == 0
    assert (tmp_path / "bce.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert main(["plot", "bce", "-o", str(tmp_path / "bce.svg")]) == 0
    assert b"<svg" in (tmp_path / "bce.svg").read_bytes()[:500]
    assert main(["plot", "bce", "-o", str(tmp_path / "bce.jpg")]) == 2
    assert capsys.readouterr().err == "xent: error: cannot draw a .jpg file; name it .png or .svg\n"
    assert not (tmp_path / "bce.jpg").exists()
