"""Every catalog export states the accuracy measured on its own functions, per example, in float64 and float32,
at both ends of the logits; the measurement flags a form that loses digits, and the checker refuses a wrong
softmax gradient form."""

from __future__ import annotations

import re
import types

import mpmath
import numpy as np
import pytest
import sympy as sp
from sympy.codegen.cfunctions import expm1

from xent_symbolic.catalog.stable import derive_softmax_logits_gradient, k, uk, yk
from xent_symbolic.check import check
from xent_symbolic.export import catalog_accuracy
from xent_symbolic.export.codegen import EXPORTS, module_source
from xent_symbolic.rules import Rewrite

_LINE = re.compile(
    r"  (float64|float32): loss (\S+), gradient (\S+) \(at most (\S+) and (\S+) eps x the condition\)"
)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_header_states_an_accuracy_within_a_few_eps_of_the_conditioning(name):
    header = module_source(name, "numpy").split('"""')[1]
    rows = {m[0]: tuple(float(v) for v in m[1:]) for m in _LINE.findall(header)}
    assert set(rows) == {"float64", "float32"}, header
    for dtype, (loss, _, loss_units, gradient_units) in rows.items():
        assert loss_units < 4 and gradient_units < 4, (name, dtype, rows)
        assert 0 < loss < (1e-13 if dtype == "float64" else 1e-5), (name, dtype, loss)


def _module(**functions) -> types.ModuleType:
    module = types.ModuleType("fake")
    for name, function in functions.items():
        setattr(module, name, function)
    return module


def test_the_measurement_flags_a_softmax_gradient_that_cancels_near_one():
    # the export before its softmax-logits-gradient: P - Y as E / (1 + rest) - Y, 0 where it is -4e-18
    def cancelling(Z, Y):
        U = Z - Z.max(axis=1, keepdims=True)
        E = np.exp(U)
        rest = np.where(U < 0, E, 0).sum(axis=1, keepdims=True) + ((U == 0).sum(axis=1, keepdims=True) - 1)
        return (np.log1p(rest) - U[:, :1]).ravel(), E / (1 + rest) - Y

    float64, _ = catalog_accuracy.measure(EXPORTS["softmax-regression"], _module(_pointwise=cancelling))
    assert float64.gradient == pytest.approx(1.0) and float64.gradient_units > 1e12
    assert float64.loss_units < 1


def test_the_measurement_flags_a_loss_that_rounds_one_plus_a_small_number():
    def naive(z, y):  # log(1 + exp(-|z|)): 1 + exp(-|z|) rounds, the loss near 0 loses every digit
        softplus = np.maximum(z, 0) + np.log(1 + np.exp(-np.abs(z)))
        minus = np.maximum(-z, 0) + np.log(1 + np.exp(-np.abs(z)))
        return y * minus + (1 - y) * softplus, 1 / (1 + np.exp(-z)) - y

    float64, _ = catalog_accuracy.measure(
        EXPORTS["logistic-regression"], _module(_pointwise_loss_dloss=naive)
    )
    assert float64.loss == pytest.approx(1.0) and float64.loss_units > 1e12


def test_a_value_past_the_largest_float_returned_as_inf_is_exact_and_nan_is_not():
    past = catalog_accuracy.Reference(mpmath.mpf(10) ** 400, mpmath.mpf(10) ** 400)
    float64 = np.dtype("float64")
    assert catalog_accuracy._errors(float("inf"), past, float64) == (0.0, 0.0)
    assert catalog_accuracy._errors(-float("inf"), past, float64) == (float("inf"), float("inf"))
    assert catalog_accuracy._errors(float("nan"), past, float64) == (float("inf"), float("inf"))
    one = catalog_accuracy.Reference(mpmath.mpf(1), mpmath.mpf(1))
    assert catalog_accuracy._errors(1 + 2**-52, one, float64) == (2**-52, 1.0)


def test_a_wrong_complement_of_the_softmax_is_refuted():
    derivation = derive_softmax_logits_gradient()
    assert check(derivation).ok
    (total,) = derivation.current.atoms(sp.Sum)
    p = sp.exp(uk[k]) / total
    for wrong in (
        (1 - yk[k]) * p - yk[k] * (total - 1 + expm1(uk[k])) / total,  # expm1's sign flipped
        (1 - yk[k]) * p - yk[k] * (total - expm1(uk[k])) / total,  # the 1 forgotten
        (1 - yk[k]) * p - yk[k] * (total - 1 - expm1(uk[k])) / (total - 1),  # the sum less its max below
    ):
        attacked = derivation.steps[0].before
        steps = type(derivation)(
            name="attack",
            title="attack",
            start=attacked,
            assumptions=derivation.assumptions,
            start_name=derivation.start_name,
        ).apply(derivation.steps[0].rule)
        steps = steps.apply(Rewrite("attack", lambda e, wrong=wrong: wrong, "attack"))
        assert check(steps).steps[-1].status.value == "refuted", wrong


def test_a_backend_that_computes_float64_in_float32_is_not_measured_in_float64():
    # jax without jax_enable_x64: float64 inputs are computed in float32, which says nothing of float64
    def in_float32(z, y):
        z32, y32 = np.asarray(z, dtype=np.float32), np.asarray(y, dtype=np.float32)
        return np.logaddexp(0, z32) - y32 * z32, 1 / (1 + np.exp(-z32)) - y32

    measured = catalog_accuracy.measure(EXPORTS["poisson"], _module(_pointwise_loss_dloss=in_float32))
    assert [(a.dtype, a.computed) for a in measured] == [("float64", "float32"), ("float32", "")]
    lines = catalog_accuracy.accuracy_text(EXPORTS["poisson"], measured)
    assert (
        lines[2]
        == "  float64: not measured: float64 inputs were computed in float32 where this was generated"
    )
