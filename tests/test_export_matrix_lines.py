"""The drivers' logits and gradient products are printed from the checked matrix forms, and refused when a form
or the logits' matrix does not say what the driver computes."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from xent_symbolic import catalog
from xent_symbolic.catalog.notation import P_mat, X_mat, Y_mat, b, n, w_mat
from xent_symbolic.catalog.softmax import W_mat, b_vec
from xent_symbolic.export import matrix_lines
from xent_symbolic.export.codegen import module_source
from xent_symbolic.export.matrix_lines import driver_lines
from xent_symbolic.export.printer import print_array


@pytest.mark.parametrize(
    ("kind", "backend", "rows", "expected"),
    [
        (
            "linear",
            "numpy",
            "block",
            ("np.einsum('ij,j->i', block, w) + b", "np.einsum('i,ij->j', g, block)", "g.sum(axis=0)"),
        ),
        ("linear", "torch", "X", ("_matvec(X, w) + b", "_vecmat(g, X)", "g.sum(dim=0)")),
        ("linear", "jax", "X", ("X @ w + b", "g @ X", "g.sum(axis=0)")),
        (
            "softmax",
            "numpy",
            "block",
            ("np.einsum('ij,jk->ik', block, W.T) + b", "np.einsum('ij,jk->ik', G.T, block)", "G.sum(axis=0)"),
        ),
        ("softmax", "jax", "X", ("X @ W.T + b", "G.T @ X", "G.sum(axis=0)")),
    ],
)
def test_the_lines_are_the_printed_matrix_forms(kind, backend, rows, expected):
    residual = "g" if kind == "linear" else "G"
    lines = driver_lines(kind, backend, X=rows, residual=residual)
    assert (lines["logits"], lines["dw"], lines["db"]) == expected


def test_numpy_spells_a_product_of_two_matrices_as_einsum_and_longer_or_vector_ones_with_at():
    m, k = sp.symbols("m k", integer=True, positive=True)
    A, B, C = sp.MatrixSymbol("A", n, k), sp.MatrixSymbol("B", k, m), sp.MatrixSymbol("C", m, n)
    v = sp.MatrixSymbol("v", k, 1)
    cases = {
        A * B: ("np.einsum('ij,jk->ik', A, B)", "A @ B"),
        A.T * A: ("np.einsum('ij,jk->ik', A.T, A)", "A.T @ A"),
        A * v: ("np.einsum('ij,j->i', A, v)", "A @ v"),
        A * B * C: ("A @ B @ C", "A @ B @ C"),  # einsum's subscripts are for two 2-D operands
        v.T * B: ("v.T @ B", "v.T @ B"),  # a row: not a 2-D array in the printed code
    }
    for expr, (numpy, jax) in cases.items():
        assert (print_array(expr, "numpy"), print_array(expr, "jax")) == (numpy, jax)


def test_every_generated_module_carries_the_printed_lines():
    numpy_linear = module_source("poisson", "numpy")
    assert "z = np.einsum('ij,j->i', block, w) + b" in numpy_linear
    assert "dw += np.einsum('i,ij->j', g, block)" in numpy_linear
    assert "linear-model-gradient            proved" in numpy_linear
    torch_softmax = module_source("softmax-regression", "torch")
    assert "_pointwise(X @ W.T + b, Y)" in torch_softmax and "(G.T @ X) / n" in torch_softmax


@pytest.fixture
def forms(monkeypatch):
    """Replace a kind's DriverForms for one test (the printed forms are cached: cleared around it)."""

    def replace(kind, **changes):
        monkeypatch.setitem(
            catalog.DRIVER_FORMS, kind, dataclasses.replace(catalog.DRIVER_FORMS[kind], **changes)
        )

    matrix_lines._forms.cache_clear()
    yield replace
    matrix_lines._forms.cache_clear()


@pytest.mark.parametrize(
    ("kind", "logits"),
    [
        ("linear", X_mat * w_mat),  # no bias
        ("linear", X_mat * w_mat + 2 * b * sp.OneMatrix(n, 1)),  # the bias twice
        ("softmax", X_mat * W_mat.T),  # no biases
        ("softmax", X_mat * W_mat.T + sp.OneMatrix(n, 1) * b_vec.T + X_mat * W_mat.T),  # the product twice
    ],
)
def test_logits_that_are_not_the_defined_logit_are_refused(forms, kind, logits):
    forms(kind, logits=logits)
    with pytest.raises(AssertionError, match="the entries of"):
        matrix_lines._check_logits(kind)


def test_a_matrix_form_without_the_drivers_residual_is_refused(forms):
    forms("softmax", residual=P_mat + Y_mat)  # the driver would hold P + Y: no form is a product with it
    with pytest.raises(AssertionError, match=r"is not \(1/n\) times a product with P \+ Y"):
        driver_lines("softmax", "numpy", X="block", residual="G")
