"""Exports as data: each exportable catalog entry declares its export; the stable forms are catalog entries;
every derivation a module's header cites exists and is proved; a derivation with no steps proves nothing."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from xent_symbolic.catalog import CATALOG, Export
from xent_symbolic.catalog.notation import i
from xent_symbolic.catalog.notation import y as y_i
from xent_symbolic.catalog.poisson import derive_poisson, eta
from xent_symbolic.catalog.stable import y, z
from xent_symbolic.catalog.stable_glm import _POISSON_ASSUMPTIONS, _one_example
from xent_symbolic.check import check
from xent_symbolic.cli import main
from xent_symbolic.core import Derivation, Name, Status
from xent_symbolic.export import ALIASES, EXPORTABLE, module_source
from xent_symbolic.export.codegen import EXPORTS
from xent_symbolic.rules import Substitute


def test_every_stable_form_an_export_prints_is_a_catalog_entry():
    stable = {name for names in EXPORTABLE.values() for name in names}
    assert stable == {
        "bce-logits",
        "bce-logits-gradient",
        "bce-sign-flip",
        "softmax-logits",
        "softmax-logits-gradient",
        "mse-pointwise",
        "mse-pointwise-gradient",
        "poisson-pointwise",
        "poisson-pointwise-gradient",
        "weighted-bce-logits",
        "weighted-bce-logits-gradient",
        "label-smoothing-logits",
        "label-smoothing-logits-gradient",
        "focal-logits",
        "focal-logits-gradient",
    }
    assert stable <= set(CATALOG)
    exported = {e.name for e in CATALOG.values() if e.export is not None}
    assert set(EXPORTABLE) | set(ALIASES) == exported
    assert ALIASES == {"mse": "linear-regression"}


def test_xent_check_knows_the_stable_forms(capsys):
    assert main(["check", "bce-logits"]) == 0
    out = capsys.readouterr().out
    assert "ok: 2 proved" in out
    assert main(["check", "poisson-pointwise"]) == 0
    assert "1. substitute  equal       proved" in capsys.readouterr().out


def _cited(source: str) -> list[tuple[str, str, int]]:
    header = source.split('"""')[1]
    block = header.split("at generation time):\n")[1].split("\n\n")[0]
    rows = [re.match(r"\s+(\S+)\s+(\S+)\s+(\d+) steps?\s", line) for line in block.splitlines()]
    return [(m.group(1), m.group(2), int(m.group(3))) for m in rows]


@pytest.mark.parametrize("name", sorted(EXPORTABLE))
def test_every_derivation_a_header_cites_exists_has_steps_and_is_proved(name):
    source = module_source(name)
    cited = _cited(source)
    assert {c for c, _, _ in cited} >= set(EXPORTABLE[name]) | {
        "regularised-objective",
        "l2-penalty-gradient",
    }
    for cited_name, status, steps in cited:
        assert cited_name in CATALOG, cited_name
        assert status == "proved" and steps >= 1, (cited_name, status, steps)
        assert len(CATALOG[cited_name].build().steps) == steps
    # "matrix form" is said only of derivations that derive the gradient in matrix form
    said = [c for m in re.finditer(r"\(([^()]*), matrix form\)", source) for c in m.group(1).split(", ")]
    driver = EXPORTS[name].driver
    assert {driver.weights, driver.bias} <= set(said), said  # the forms the driver's lines are printed from
    assert set(said) <= set(EXPORTS[name].matrix_form) | {driver.weights, driver.bias}, said


def test_the_poisson_header_no_longer_cites_a_matrix_form_it_does_not_have():
    source = module_source("poisson")
    assert "(poisson, matrix form)" not in source
    assert "(linear-model-gradient, linear-model-bias, matrix form)" in source
    assert "poisson-pointwise                proved   1 step   Poisson loss of one example" in source


def test_a_derivation_with_no_steps_is_never_proved():
    empty = Derivation("empty", "nothing", y * z, _POISSON_ASSUMPTIONS, Name("l", "l"))
    checked = check(empty)
    assert checked.status is Status.UNKNOWN
    assert checked.ok is False


def test_the_one_example_step_is_refuted_when_it_disagrees_with_the_declared_definitions():
    good = _one_example(
        "good", "good", derive_poisson().current, {eta[i]: z, y_i[i]: y}, _POISSON_ASSUMPTIONS
    )
    assert check(good).status is Status.PROVED
    wrong = Derivation("wrong", "wrong", good.start, good.assumptions, Name("l", "l")).apply(
        Substitute({eta[i]: 2 * z, y_i[i]: y}, "typed in: twice the logit")
    )
    checked = check(wrong)
    assert checked.status is Status.REFUTED
    assert sp.simplify(wrong.current - (sp.exp(2 * z) - 2 * y * z)) == 0


def test_an_export_record_says_what_is_wrong_with_it():
    with pytest.raises(ValueError, match="kind must be one of"):
        Export("m", "quadratic", "l", "dl", ("m",), (), "J")
    with pytest.raises(ValueError, match="a matrix form it cites must be listed"):
        Export("m", "linear", "l", "dl", ("m",), ("other",), "J")


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_every_module_says_which_part_is_hand_written(backend):
    source = module_source("softmax-regression", backend)
    assert (
        "Printed from the derivations: the elementwise functions, the weighting and penalty terms, and the logits\n"
        "and the gradient's matrix products (from the matrix forms of softmax-regression and softmax-regression-bias)."
        in source
    )
    says = {"numpy": "one blocked pass over X", "jax": "one vectorised pass", "torch": "one vectorised pass"}
    assert f"Written by hand: the driver around them (the input checks; {says[backend]}" in source
