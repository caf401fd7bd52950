"""Shared fixtures (the checked bce derivation, built once per session) and the `slow` tier."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from xent_symbolic.catalog.bce import derive_bce
from xent_symbolic.check import check

#: property tests (hypothesis): "ci" is the default (a few thousand examples over the suite, within CI's time);
#: XENT_PROPERTY_PROFILE=deep runs 25,000 examples per property (10^5 over the four), "dev" a quick pass
settings.register_profile(
    "ci", max_examples=1000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=25_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("XENT_PROPERTY_PROFILE", "ci"))


@pytest.fixture(scope="session")
def bce():
    return derive_bce()


@pytest.fixture(scope="session")
def bce_checked(bce):
    return check(bce)


#: test modules that are slow as a whole: they compile LaTeX, run a notebook or subprocesses, or generate and
#: check exports
SLOW_MODULES = frozenset(
    {
        "test_array_property",
        "test_arrays",
        "test_bounds_property",
        "test_derivation_file",
        "test_catalog_gradients",
        "test_derivations_folder",
        "test_display_katex",
        "test_export_backends",
        "test_export_catalog",
        "test_export_catalog_accuracy",
        "test_export_general",
        "test_export_dask",
        "test_export_glm",
        "test_export_numpy",
        "test_export_stable",
        "test_export_regularised",
        "test_hessian",
        "test_likelihoods",
        "test_losses",
        "test_notebook",
        "test_plot",
        "test_primitives",
        "test_property_soundness",
        "test_readme",
        "test_soundness_budgets",
        "test_soundness_capture",
        "test_soundness_rounding",
        "test_timebox",
        "test_verify_arrays",
    }
)
#: single slow tests (about a second or more each) in otherwise fast modules
SLOW_TESTS = frozenset(
    {
        "test_a_missing_one_over_n_is_named",
        "test_a_wrong_focal_gradient_is_refuted",
        "test_breast_cancer_fit_matches_sklearn",
        "test_exchanging_sums_is_proved_and_a_captured_index_is_refuted",
        "test_python_dash_m_runs_the_same_cli",
        "test_the_cli_prints_the_table_and_flags_float64",
        "test_the_document_compiles_with_pdflatex",
        "test_the_module_runs_as_a_command",
        "test_the_own_likelihood_example_runs_and_prints_what_the_readme_shows",
        "test_with_2000_examples_the_product_underflows_but_the_sum_of_logs_does_not",
        "test_wrong_hessians_are_refuted",
        "test_wrong_logistic_gradients_are_refuted",
        "test_wrong_logistic_matrix_form_is_refuted",
        "test_wrong_softmax_gradients_are_refuted",
    }
)


def pytest_collection_modifyitems(config, items):
    """Mark the slow tier, so that `pytest -m "not slow"` is the fast one (test_test_tiers.py checks that every
    name in the tables is a real test)."""
    for item in items:
        name = getattr(item, "originalname", item.name)
        if item.module.__name__.rpartition(".")[2] in SLOW_MODULES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
