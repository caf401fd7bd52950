"""Generated source as an in-process module."""

from __future__ import annotations

import types

__all__ = ["load_module"]


def load_module(source: str, label: str) -> types.ModuleType:
    """The module of `source`, our own generated code (never user text), compiled under a file name that
    says so: <xent export LABEL>."""
    module = types.ModuleType("xent_export_" + "".join(c if c.isalnum() else "_" for c in label))
    exec(compile(source, f"<xent export {label}>", "exec"), module.__dict__)
    return module
