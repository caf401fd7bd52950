"""The stable forms are proved steps, and the printed code meets the accuracy target against 50-digit mpmath."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from xent_symbolic.catalog.stable import (
    derive_bce_logits,
    derive_bce_logits_gradient,
    derive_bce_sign_flip,
    derive_softmax_logits,
    z,
)
from xent_symbolic.check import check
from xent_symbolic.core import Status
from xent_symbolic.export import numeric_functions
from xent_symbolic.export.printer import BACKEND_FUNCTIONS
from xent_symbolic.prove import proves_zero

TINY = np.finfo(np.float64).tiny


@pytest.mark.parametrize(
    "builder", [derive_bce_logits, derive_bce_logits_gradient, derive_bce_sign_flip, derive_softmax_logits]
)
def test_every_stable_step_is_proved(builder):
    checked = check(builder())
    assert [s.status for s in checked.steps] == [Status.PROVED] * len(checked.steps)


def test_overflow_free_forms_read_back_as_their_primitives_in_a_proved_step():
    from xent_symbolic.core import Derivation, Name
    from xent_symbolic.functions import sigmoid, softplus
    from xent_symbolic.primitives import stable_sigmoid, stable_softplus
    from xent_symbolic.stable_rules import PrimitiveForms

    assumptions = derive_bce_logits().assumptions
    a, c = sp.Symbol("a", real=True), sp.Symbol("c", real=True)
    start = (
        3 * stable_sigmoid(-z) ** a * c + stable_softplus(2 * z) + c + stable_sigmoid(z) * stable_softplus(-z)
    )
    rewritten = PrimitiveForms().rewrite(start, assumptions)
    assert rewritten == 3 * sigmoid(-z) ** a * c + softplus(2 * z) + c + sigmoid(z) * softplus(-z)
    assert PrimitiveForms().rewrite(sp.Max(z, 0) + sp.log(1 + sp.exp(sp.Abs(z))), assumptions) == (
        sp.Max(z, 0) + sp.log(1 + sp.exp(sp.Abs(z)))  # exp(+|z|): not softplus's form, left as it is
    )
    derivation = Derivation("forms", "forms", start, assumptions, Name("J", "J")).apply(PrimitiveForms())
    # the export's own budget (general._CHECK_BUDGET): in a cold process the proof takes over the default 2 s
    assert check(derivation, budget=10.0).status is Status.PROVED


def test_a_wrong_overflow_free_form_is_not_proved():
    wrong = sp.Max(z, 0) + sp.log(1 + sp.exp(sp.Abs(z)))  # exp(+|z|): the wrong sign
    from xent_symbolic.functions import softplus

    assert not proves_zero(softplus(z) - wrong, derive_bce_logits().assumptions, 2.0)
    assert not proves_zero(sp.Max(z, 0) - z, derive_bce_logits().assumptions, 2.0)


def test_backend_tables_are_complete_and_one_to_one():
    keys = {frozenset(t) for t in BACKEND_FUNCTIONS.values()}
    assert len(keys) == 1
    for table in BACKEND_FUNCTIONS.values():
        assert len(set(table.values())) == len(table)


def _reference(zv: float, yv: float):
    with mpmath.workdps(50):
        Z, Y = mpmath.mpf(zv), mpmath.mpf(yv)
        loss = Y * mpmath.log1p(mpmath.exp(-Z)) + (1 - Y) * mpmath.log1p(mpmath.exp(Z))
        dloss = (1 - Y) / (1 + mpmath.exp(-Z)) - Y / (1 + mpmath.exp(Z))
        return loss, dloss


GRID = np.unique(
    np.concatenate(
        [
            np.linspace(-1000, 1000, 201),
            np.linspace(-40, 40, 81),
            [-745.2, -709.8, -37.5, -1e-12, 1e-12, 709.8],
        ]
    )
)


def _errors(values, refs, scale):
    with mpmath.workdps(50):
        return max(
            float(abs(mpmath.mpf(float(v)) - r) / s) for v, r, s in zip(values, refs, scale, strict=False)
        )


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_hard_labels_within_a_few_ulp_at_every_logit(label):
    module = numeric_functions("logistic-regression").module
    labels = np.full_like(GRID, label)
    loss, dloss = module._pointwise_loss_dloss(GRID, labels)
    assert np.isfinite(loss).all() and np.isfinite(dloss).all()
    refs = [_reference(a, label) for a in GRID]
    # relative error, the denominator floored at the smallest normal float64 (subnormals carry no 1e-15)
    loss_scale = [max(abs(r[0]), TINY) for r in refs]
    dloss_scale = [max(abs(r[1]), TINY) for r in refs]
    assert _errors(loss, [r[0] for r in refs], loss_scale) <= 1e-15
    assert _errors(dloss, [r[1] for r in refs], dloss_scale) <= 1e-15
    # the separate loss-only and derivative-only functions agree bit for bit
    assert np.array_equal(module._pointwise_loss(GRID, labels), loss)
    assert np.array_equal(module._pointwise_dloss(GRID, labels), dloss)


@pytest.mark.parametrize("label", [0.05, 0.3, 0.5, 0.77, 0.999])
def test_soft_labels_within_absolute_error(label):
    module = numeric_functions("logistic-regression").module
    loss, dloss = module._pointwise_loss_dloss(GRID, np.full_like(GRID, label))
    refs = [_reference(a, label) for a in GRID]
    scale = np.maximum(1.0, np.abs(GRID))
    assert _errors(loss, [r[0] for r in refs], scale) <= 1e-15
    assert _errors(dloss, [r[1] for r in refs], scale) <= 1e-15


def test_softmax_loss_is_finite_and_accurate_at_huge_logits():
    f = numeric_functions("softmax-regression")
    Z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -999.0, -1001.0], [0.0, 0.0, 0.0]])
    Y = np.eye(3)[[0, 1, 2]]
    losses, G = f.module._pointwise(Z.copy(), Y, with_loss=True, with_grad=True)  # it overwrites Z with U
    with mpmath.workdps(50):
        for row, yrow, got in zip(Z, Y, losses, strict=False):
            lse = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in row))
            ref = mpmath.fsum(yk * (lse - mpmath.mpf(v)) for yk, v in zip(yrow, row, strict=False))
            assert abs(mpmath.mpf(got) - ref) <= 4e-16 * max(1, abs(ref))
    assert np.isfinite(G).all()


def test_a_stable_form_prints_as_one_unit_inside_a_power():
    import numpy as np

    from xent_symbolic.export.printer import print_array
    from xent_symbolic.functions import sigmoid

    z, g = sp.symbols("z g", real=True)
    source = print_array(sigmoid(z) ** g, "numpy")
    value = eval(source, {"np": np, "z": -3.0, "g": 2.0})  # our own printed code, not user input
    assert value == pytest.approx(1 / (1 + np.exp(3.0)) ** 2, rel=1e-15)
