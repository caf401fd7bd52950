"""The one placeholder mechanism of the generated modules: `@name@` in a template, every one given a value."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["PLACEHOLDER", "fill", "placeholders"]

#: a placeholder: @name@ with a lower-case name (never Python: `X @ w` has spaces, a decorator no closing @)
PLACEHOLDER = re.compile(r"@([a-z][a-z0-9_]*)@")


def placeholders(template: str) -> set[str]:
    """The names of the placeholders in `template`."""
    return set(PLACEHOLDER.findall(template))


def fill(template: str, values: Mapping[str, str]) -> str:
    """`template` with every @name@ replaced by values[name] in one pass (a value is never scanned again).
    A placeholder without a value raises KeyError naming it: no generated module keeps an unfilled one."""
    missing = sorted(placeholders(template) - set(values))
    if missing:
        raise KeyError(f"template placeholders without a value: {', '.join('@' + m + '@' for m in missing)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
