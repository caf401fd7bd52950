"""Shared fixtures: the checked bce derivation is built once per session."""

from __future__ import annotations

import pytest

from xent_symbolic.catalog.bce import derive_bce
from xent_symbolic.check import check


@pytest.fixture(scope="session")
def bce():
    return derive_bce()


@pytest.fixture(scope="session")
def bce_checked(bce):
    return check(bce)
