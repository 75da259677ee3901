"""Dependencies run one way (see docs/architecture.md); import-linter checks the contract."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports


def test_no_lower_layer_imports_a_higher_one():
    config = Path(__file__).resolve().parents[1] / ".importlinter"
    assert lint_imports(config_filename=str(config)) == 0, "a layer imports one above it: see the lint output above"
