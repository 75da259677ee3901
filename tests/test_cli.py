"""The `demandhub` command as an administrator uses it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from demandhub.cli import app

runner = CliRunner()


def env(tmp_path, engine):
    return {"DEMANDHUB_DATA_DIR": str(tmp_path), "DEMANDHUB_DATABASE_URL": engine.url.render_as_string(False)}


def test_users_add_then_list(tmp_path, engine):
    r = runner.invoke(app, ["users", "add", "jo.reid", "--role", "supervisor", "--name", "Jo Reid",
                            "--password-stdin"], input="a-long-password\n", env=env(tmp_path, engine))
    assert r.exit_code == 0, r.output
    assert "Added jo.reid (supervisor)" in r.output
    r = runner.invoke(app, ["users", "list"], env=env(tmp_path, engine))
    assert "jo.reid" in r.output and "supervisor" in r.output


def test_users_disable(tmp_path, engine):
    runner.invoke(app, ["users", "add", "jo.reid", "--role", "supervisor", "--password-stdin"],
                  input="a-long-password\n", env=env(tmp_path, engine))
    r = runner.invoke(app, ["users", "disable", "jo.reid"], env=env(tmp_path, engine))
    assert r.exit_code == 0 and "Disabled jo.reid" in r.output
    r = runner.invoke(app, ["users", "list"], env=env(tmp_path, engine))
    assert "jo.reid" in r.output and " no " in r.output
    assert runner.invoke(app, ["users", "disable", "nobody"], env=env(tmp_path, engine)).exit_code == 1


def test_users_add_refuses_unknown_roles_and_short_passwords(tmp_path, engine):
    r = runner.invoke(app, ["users", "add", "x1", "--role", "wizard", "--password-stdin"], input="a-long-password\n",
                      env=env(tmp_path, engine))
    assert r.exit_code == 1 and "unknown role" in r.output
    r = runner.invoke(app, ["users", "add", "x1", "--role", "analyst", "--password-stdin"], input="short\n",
                      env=env(tmp_path, engine))
    assert r.exit_code == 1 and "at least 8" in r.output


def test_audit_verify_reports_an_intact_chain_and_a_broken_one(tmp_path, engine):
    runner.invoke(app, ["users", "add", "jo.reid", "--role", "supervisor", "--password-stdin"],
                  input="a-long-password\n", env=env(tmp_path, engine))
    r = runner.invoke(app, ["audit", "verify"], env=env(tmp_path, engine))
    assert r.exit_code == 0 and "intact: 1 entries; last link " in r.output
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(sa.text("UPDATE audit_entries SET details = '{}'"))
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))
    r = runner.invoke(app, ["audit", "verify"], env=env(tmp_path, engine))
    assert r.exit_code == 1 and "BROKEN at entry 1" in r.output


def test_policy_check_names_the_line_and_the_problem(tmp_path, engine):
    bad = tmp_path / "policy.yaml"
    bad.write_text("name: broken\nversion: '1'\nlevels: [low, high\n")
    r = runner.invoke(app, ["policy", "check", str(bad)], env=env(tmp_path, engine))
    assert r.exit_code == 1
    flat = r.output.replace("\n", "")
    assert f"{bad}:4:1: YAML syntax error" in flat, flat  # the unclosed list runs to the end of the file
    r = runner.invoke(app, ["policy", "check"], env=env(tmp_path, engine))
    assert r.exit_code == 0 and "Policy default" in r.output


def test_serve_refuses_a_malformed_policy_at_start(tmp_path, engine):
    bad = tmp_path / "policy.yaml"
    bad.write_text("name: broken\n")
    r = runner.invoke(app, ["serve"], env={**env(tmp_path, engine), "DEMANDHUB_POLICY_FILE": str(bad)})
    assert r.exit_code == 2 and "Grading policy refused" in r.output and str(bad) in r.output.replace("\n", "")


def test_serve_refuses_malformed_dispatch_rules_at_start(tmp_path, engine):
    bad = tmp_path / "dispatch.yaml"
    bad.write_text("version: 1\ndivert_for_grades: ['7']\n")
    r = runner.invoke(app, ["serve"], env={**env(tmp_path, engine), "DEMANDHUB_DISPATCH_FILE": str(bad)})
    assert r.exit_code == 2 and "Dispatch rules refused" in r.output and "7" in r.output


def test_bad_settings_are_refused_at_start_naming_the_setting(tmp_path, engine):
    import subprocess
    import sys

    for name, value in (("DEMANDHUB_TIMEZONE", "Mars/Olympus"), ("DEMANDHUB_REFERENCE_PREFIX", "x" * 30)):
        r = subprocess.run([sys.executable, "-m", "demandhub.cli", "policy", "check"], capture_output=True, text=True,
                           env={**__import__("os").environ, **env(tmp_path, engine), name: value}, timeout=60)
        assert r.returncode == 2 and "Configuration refused" in r.stderr, r.stderr


def test_roads_import_builds_the_graph_the_server_then_uses(tmp_path, engine):
    import json

    from demandhub import db
    from demandhub.geo.county import write_osm_xml
    from demandhub.geo.store import GeoCache
    from tests.dispatch.network import at, grid, west_bank_urban

    extract = tmp_path / "river.osm"
    write_osm_xml(grid(), extract)
    r = runner.invoke(app, ["roads", "import", str(extract)], env=env(tmp_path, engine))
    assert r.exit_code == 0, r.output
    assert "25 nodes" in r.output and "72 directed edges" in r.output
    with db.reader_factory(engine)() as session:
        graph = GeoCache().graph(session)
        trip = graph.travel_to(graph.snap(*at(4, 1)), [graph.snap(*at(4, 3))])
    assert round(trip.seconds[0]) == 531  # round by the bridge (see tests/dispatch/test_recommend.py)

    areas = tmp_path / "areas.geojson"
    areas.write_text(json.dumps(west_bank_urban()))
    r = runner.invoke(app, ["areas", "import", str(areas)], env=env(tmp_path, engine))
    assert r.exit_code == 0 and "1 urban" in r.output, r.output


def test_roads_and_areas_import_refuse_bad_files_plainly(tmp_path, engine):
    (tmp_path / "notes.osm").write_text("these are not roads")
    r = runner.invoke(app, ["roads", "import", str(tmp_path / "notes.osm")], env=env(tmp_path, engine))
    assert r.exit_code == 1 and "Road network refused" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["roads", "import", str(tmp_path / "missing.osm.pbf")], env=env(tmp_path, engine))
    assert r.exit_code == 1 and "Road network refused" in r.output
    (tmp_path / "a.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    r = runner.invoke(app, ["areas", "import", str(tmp_path / "a.geojson")], env=env(tmp_path, engine))
    assert r.exit_code == 1 and "no features" in r.output


def test_appointments_remind_sends_due_reminders_once(tmp_path, engine):
    r = runner.invoke(app, ["appointments", "remind"], env=env(tmp_path, engine))
    assert r.exit_code == 0 and "Reminders sent: 0" in r.output, r.output


@pytest.mark.parametrize("variable, what", [("DEMANDHUB_QUALITY_CHECKLIST_FILE", "Quality checklist refused"),
                                            ("DEMANDHUB_TRAUMA_FILE", "Trauma exposure rules refused")])
def test_serve_refuses_a_missing_or_malformed_force_file(tmp_path, engine, variable, what):
    for text in (None, "items: [\n"):
        bad = tmp_path / "force.yaml"
        if text is None:
            bad.unlink(missing_ok=True)
        else:
            bad.write_text(text)
        r = runner.invoke(app, ["serve"], env={**env(tmp_path, engine), variable: str(bad)})
        assert r.exit_code == 2 and what in r.output and "Traceback" not in r.output, r.output
