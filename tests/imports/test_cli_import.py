"""`demandhub import calls` as an administrator runs it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from demandhub import cli
from demandhub.cli import app
from tests.imports.support import US_SAMPLE, counts

runner = CliRunner()


def env(tmp_path, engine):
    return {"DEMANDHUB_DATA_DIR": str(tmp_path), "DEMANDHUB_DATABASE_URL": engine.url.render_as_string(False)}


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Tables as wide as they need, so a reason is not wrapped across lines here."""
    monkeypatch.setattr(cli.console, "width", 200)
    monkeypatch.setattr(cli.err, "width", 200)


def test_dry_run_then_import_then_refuse_the_same_file(tmp_path, engine):
    before = counts(engine)
    r = runner.invoke(app, ["import", "calls", str(US_SAMPLE), "--mapping", "us-open-data", "--dry-run"],
                      env=env(tmp_path, engine))
    assert r.exit_code == 0, r.output
    assert "Dry run: nothing was written." in r.output
    assert re.search(r"would be imported \(dry run: nothing written\) +│ +7 │", r.output)
    assert re.search(r"│ rejected +│ +5 │", r.output)
    assert "grade: priority_final value 'E' is not in the mapping" in r.output
    assert counts(engine) == before

    r = runner.invoke(app, ["import", "calls", str(US_SAMPLE), "--mapping", "us-open-data",
                            "--force-name", "San Francisco PD"], env=env(tmp_path, engine))
    assert r.exit_code == 0, r.output
    assert "Imported 7 calls from us_open_data_sample.csv as batch 1." in r.output
    assert "Calls per hour of day (America/Los_Angeles)" in r.output
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT force_name FROM import_batches")).scalar_one() == "San Francisco PD"

    r = runner.invoke(app, ["import", "calls", str(US_SAMPLE), "--mapping", "us-open-data"], env=env(tmp_path, engine))
    assert r.exit_code == 1
    assert "Nothing imported: us_open_data_sample.csv was imported already for source us-open-data: batch 1" in r.output


def test_strict_refuses_and_shows_why(tmp_path, engine):
    before = counts(engine)
    r = runner.invoke(app, ["import", "calls", str(US_SAMPLE), "--mapping", "us-open-data", "--strict"],
                      env=env(tmp_path, engine))
    assert r.exit_code == 1
    assert "Nothing imported: strict mode: 5 of 12 rows rejected, so nothing was imported" in r.output
    assert "Rejected rows by reason" in r.output
    assert counts(engine) == before


def test_a_bad_mapping_is_named(tmp_path, engine):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    r = runner.invoke(app, ["import", "calls", str(US_SAMPLE), "--mapping", str(bad)], env=env(tmp_path, engine))
    assert r.exit_code == 2
    assert "Mapping refused:" in r.output and "version: Field required" in r.output
