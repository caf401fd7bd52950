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
        match=r"^'pair' does not end in the loss of one prediction and one label \(2 predictions, 0 labels\); "
        r"plot a loss such as 'bce'$",
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


PLOTTED = (
    "bce",
    "weighted-bce",
    "label-smoothing",
    "cross-entropy",
    "cross-entropy-binary",
    "mse",
    "poisson",
)


@pytest.mark.parametrize("name", PLOTTED)
def test_every_entry_with_a_per_example_loss_plots_at_its_defaults(capsys, tmp_path, name):
    pytest.importorskip("matplotlib", reason="plotting needs the plot extra (matplotlib)")
    assert main(["plot", name, "-o", str(tmp_path / "loss.png")]) == 0
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_hyperparameters_take_their_defaults_or_set_values():
    from xent_symbolic.catalog import get

    entry = get("label-smoothing")
    default = {c.label: c.expression for c in loss_curves(entry.build(), values=dict(entry.defaults))}
    p = sp.Symbol("p")
    assert default["y = 1"] == -sp.Rational(19, 20) * sp.log(p) - sp.log(1 - p) / 20
    chosen = {c.label: c.expression for c in loss_curves(entry.build(), values={"epsilon": 0.5})}
    assert chosen["y = 0"] == -sp.log(p) / 4 - 3 * sp.log(1 - p) / 4


def test_the_cross_entropy_plot_draws_no_flat_curve():
    from xent_symbolic.catalog import get

    curves = loss_curves(get("cross-entropy").build())
    assert [c.label for c in curves] == ["y = 1"]
    assert curves[0].expression == -sp.log(sp.Symbol("p"))


def test_real_predictions_are_drawn_around_the_labels():
    from xent_symbolic.catalog import get

    curves = loss_curves(get("poisson").build(), points=7)
    assert [c.label for c in curves] == ["y = 0", "y = 1", "y = 3"]
    assert curves[0].logit is None and list(curves[0].prediction) == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    assert curves[2].loss[4] == pytest.approx(math.e - 3, rel=1e-15)


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["focal-loss"],
            "'focal-loss' does not end in the loss of one prediction and one label (it derives a "
            "gradient, not a loss); plot a loss such as 'bce'",
        ),
        (
            ["label-smoothing", "--set", "eps=0.3"],
            "'label-smoothing' has no hyperparameter 'eps'; its hyperparameters: epsilon",
        ),
        (
            ["label-smoothing", "--set", "epsilon=3"],
            "epsilon=3 is outside epsilon's domain (0, 1); choose a value in it",
        ),
        (
            ["label-smoothing", "--set", "epsilon"],
            "--set 'epsilon' is not NAME=NUMBER; write e.g. --set epsilon=0.2",
        ),
        (["bce", "--set", "n=2"], "'bce' has no hyperparameter 'n'; its hyperparameters: none"),
    ],
)
def test_plot_mistakes_are_one_line_with_exit_2(capsys, tmp_path, argv, message):
    path = tmp_path / "loss.png"
    assert main(["plot", *argv[:1], "-o", str(path), *argv[1:]]) == 2
    assert capsys.readouterr().err == f"xent: error: {message}\n"
    assert not path.exists()
