"""The `demandhub` command."""

from __future__ import annotations

import contextlib
import getpass
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from demandhub import db
from demandhub.clock import utcnow
from demandhub.config import Settings, get_settings

app = typer.Typer(help="Demand Hub: contact management and command and control for police control rooms.",
                  no_args_is_help=True, add_completion=False)
users_app = typer.Typer(help="Manage local accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
policy_app = typer.Typer(help="The grading policy.", no_args_is_help=True)
roads_app = typer.Typer(help="The road network used to rank units by travel time.", no_args_is_help=True)
appointments_app = typer.Typer(help="Grade 3 appointments.", no_args_is_help=True)
areas_app = typer.Typer(help="The force boundary and urban areas (attendance targets differ).", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(roads_app, name="roads")
app.add_typer(areas_app, name="areas")
app.add_typer(appointments_app, name="appointments")
app.add_typer(audit_app, name="audit")
app.add_typer(policy_app, name="policy")
import_app = typer.Typer(help="Bring in calls for service exported by other systems.", no_args_is_help=True)
app.add_typer(import_app, name="import")
console = Console()
err = Console(stderr=True)


def _engine(settings: Settings):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return db.get_engine(settings.resolved_database_url())


def _migrated(settings: Settings):
    from demandhub.migrations import upgrade

    engine = _engine(settings)
    upgrade(engine)
    return engine


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = get_settings()
    _migrated(settings)
    console.print(f"Database at {settings.resolved_database_url()} is up to date.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[bool, typer.Option(help="Create demo accounts and incidents first.")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only; SQLite uses one).")] = 1,
) -> None:
    """Migrate the database and serve the web app and API."""
    import uvicorn

    from demandhub.app import ConfigurationRefused, load_configuration

    settings = get_settings()
    try:
        policy = load_configuration(settings).policy
    except ConfigurationRefused as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    engine = _migrated(settings)
    if demo:
        _seed_demo(settings, engine, policy)
    console.print(f"Demand Hub on [bold]http://{host}:{port}[/bold]  (API docs: http://{host}:{port}/docs)")
    console.print(f"Database: {settings.resolved_database_url()}   Policy: {policy.name} v{policy.version}")
    if workers > 1 and not settings.resolved_database_url().startswith("sqlite"):
        uvicorn.run("demandhub.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="warning")
    else:
        from demandhub.app import create_app

        uvicorn.run(create_app(settings, engine=engine, policy=policy), host=host, port=port, log_level="warning")


def _seed_demo(settings: Settings, engine, policy) -> None:
    from demandhub import demo
    from demandhub.evidence.checks import Limits
    from demandhub.evidence.store import EvidenceStore

    sessions = db.session_factory(engine)
    now = utcnow()
    with db.unit_of_work(sessions) as session:
        users = demo.ensure_demo_users(session, now=now)
        with console.status("Generating the demo county's roads…"):
            demo.seed_geography(session, data_dir=settings.data_dir, now=now)
        demo.seed_units(session, now=now)  # before incidents: one is already being attended
        made = demo.seed_incidents(session, policy=policy, now=now, numbering=demo.numbering_for(settings))
        demo.seed_areas_of_work(session, now=now, users=users, settings=settings)
        demo.seed_digital(session, policy=policy, now=now, evidence=EvidenceStore(settings.resolved_evidence_dir()),
                          upload_limits=Limits(settings.max_image_bytes, settings.max_video_bytes),
                          region=settings.default_region)
    table = Table(title=f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
    table.add_column("username")
    table.add_column("role")
    for username, (role, name) in demo.DEMO_USERS.items():
        table.add_row(username, f"{role.label} ({name})")
    console.print(table)
    if made:
        console.print(f"Created {made} demo incidents.")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="call_handler, dispatcher, supervisor, resolution_officer, "
                                           "quality_reviewer, analyst, administrator, field_unit (a unit's "
                                           "terminal) or location_feed (vehicle positions)")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
) -> None:
    """Create a local account (the password is asked for, or read from stdin)."""
    from demandhub.auth import service
    from demandhub.auth.roles import SYSTEM
    from demandhub.errors import DomainError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            err.print("[red]The passwords differ.[/red]")
            raise typer.Exit(1)
    settings = get_settings()
    sessions = db.session_factory(_migrated(settings))
    try:
        with db.unit_of_work(sessions) as session:
            user = service.add_user(session, username=username, password=password, role=role,
                                    display_name=name, actor=SYSTEM, now=utcnow())
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1)
    console.print(f"Added {user.username} ({user.role}).")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account: no more logins, its API tokens revoked, its page sessions ended."""
    from demandhub.auth import service
    from demandhub.auth.roles import SYSTEM
    from demandhub.errors import DomainError

    sessions = db.session_factory(_migrated(get_settings()))
    try:
        with db.unit_of_work(sessions) as session:
            service.disable_user(session, username=username, actor=SYSTEM, now=utcnow())
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1)
    console.print(f"Disabled {username}: its tokens are revoked and its page sessions ended.")


@users_app.command("list")
def users_list() -> None:
    """List accounts."""
    from demandhub.auth import service

    settings = get_settings()
    with db.session_factory(_migrated(settings))() as session:
        table = Table("username", "name", "role", "active")
        for u in service.list_users(session):
            table.add_row(u.username, u.display_name, u.role, "yes" if u.active else "no")
    console.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check every link of the audit chain; exit 1 and say where if it is broken."""
    from demandhub.audit import service

    settings = get_settings()
    with db.reader_factory(_engine(settings))() as session:  # a long read must not hold the write lock
        result = service.verify(session)
    if result.ok:
        console.print(f"Audit chain intact: {result.entries} entries; last link {result.last_hash}.")
        return
    err.print(f"[red]Audit chain BROKEN at entry {result.first_bad_seq}:[/red] {result.problem} "
              f"({result.entries} entries verified before it).")
    raise typer.Exit(1)


@policy_app.command("check")
def policy_check(path: Annotated[Optional[Path], typer.Argument(help="Policy file; default: the configured one.")] = None) -> None:
    """Load a grading policy and report its rules, or the line and the problem."""
    from demandhub.app import load_configured_policy
    from demandhub.assessment.loader import PolicyError, load_policy

    try:
        policy = load_policy(path) if path else load_configured_policy(get_settings())
    except PolicyError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    console.print(f"Policy {policy.name} v{policy.version}: {len(policy.rules)} rules, "
                  f"grades {', '.join(policy.grade_codes)}.")


@roads_app.command("import")
def roads_import(path: Annotated[Path, typer.Argument(help="OpenStreetMap extract: .osm.pbf or .osm")]) -> None:
    """Read an OpenStreetMap extract, build the road graph and make it the one in use."""
    from demandhub.geo import store
    from demandhub.geo.osm import RoadImportError, read_osm
    from demandhub.geo.roadgraph import RoadGraph

    settings = get_settings()
    engine = _migrated(settings)
    try:
        with console.status(f"Reading {path.name}…"):
            data, summary = read_osm(path)
        with console.status(f"Building the graph of {summary.nodes:,} nodes…"):
            graph = RoadGraph.build(data)
    except (RoadImportError, ValueError) as exc:
        err.print(f"[red]Road network refused:[/red] {exc}")
        raise typer.Exit(1)
    with db.unit_of_work(db.session_factory(engine)) as session:
        row = store.save_network(session, graph=graph, name=path.name, actor="cli", now=utcnow())
    console.print(f"Road network {row.id} from {path.name}: {row.node_count:,} nodes, {row.edge_count:,} "
                  f"directed edges; {summary.ways_kept:,} roads kept, "
                  f"{summary.ways_skipped_by_class:,} not for vehicles skipped, "
                  f"{summary.ways_missing_nodes:,} with nodes missing from the extract skipped.")


@areas_app.command("import")
def areas_import(path: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection: properties kind "
                                                         "(boundary or urban) and name")]) -> None:
    """Replace the force boundary and urban areas. Points outside every urban area are rural."""
    import json

    from demandhub.geo import store
    from demandhub.geo.areas import parse_areas

    try:
        areas = parse_areas(json.loads(path.read_text()))
    except (OSError, ValueError) as exc:  # AreaError and JSONDecodeError are ValueErrors
        err.print(f"[red]Areas refused:[/red] {exc}")
        raise typer.Exit(1)
    settings = get_settings()
    with db.unit_of_work(db.session_factory(_migrated(settings))) as session:
        store.replace_areas(session, areas=areas, actor="cli", now=utcnow())
    urban = sum(a.kind == "urban" for a in areas)
    console.print(f"Imported {len(areas)} areas: {urban} urban, {len(areas) - urban} boundary.")


@appointments_app.command("remind")
def appointments_remind() -> None:
    """Send each caller with an appointment in the next 24 hours one reminder (run it hourly)."""
    from zoneinfo import ZoneInfo

    from demandhub.auth.roles import SYSTEM
    from demandhub.resolution.reminders import LoggingSender, send_reminders

    settings = get_settings()
    with db.unit_of_work(db.session_factory(_migrated(settings))) as session:
        result = send_reminders(session, now=utcnow(), sender=LoggingSender(), actor=SYSTEM,
                                tz=ZoneInfo(settings.timezone))
    console.print(f"Reminders sent: {result.sent}; skipped (no number to send to): {result.skipped}.")


@import_app.command("calls")
def import_calls(
    file: Annotated[Path, typer.Argument(help="The CSV export.")],
    mapping: Annotated[str, typer.Option(help="sandiego, us-open-data, or the path of a mapping file (.yaml).")],
    force_name: Annotated[Optional[str], typer.Option(help="Whose calls these are (default: the mapping's).")] = None,
    dry_run: Annotated[bool, typer.Option(help="Check every row and show the summary; write nothing.")] = False,
    strict: Annotated[bool, typer.Option(help="Import nothing if any row is rejected.")] = False,
) -> None:
    """Import a calls-for-service export through a column mapping: all of it, or nothing."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy.exc import SQLAlchemyError

    from demandhub.app import load_configured_policy
    from demandhub.errors import DomainError
    from demandhub.imports import service
    from demandhub.imports.mapping import MappingError, load_mapping
    from demandhub.imports.report import render

    settings = get_settings()
    try:
        chosen = load_mapping(mapping)
        grades = load_configured_policy(settings).grade_codes
    except (MappingError, ValueError) as exc:
        err.print(f"[red]Mapping refused:[/red] {exc}")
        raise typer.Exit(2)
    engine = _migrated(settings)
    factory = db.reader_factory(engine) if dry_run else db.session_factory(engine)
    total = file.stat().st_size if file.is_file() else None
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar, db.unit_of_work(factory) as session:
            task = bar.add_task(f"{'Checking' if dry_run else 'Importing'} {file.name}", total=total)
            summary = service.import_calls(session, path=file, mapping=chosen, grades=grades, actor="cli",
                                           now=utcnow(), force_name=force_name, dry_run=dry_run,
                                           strict=True if strict else None,
                                           progress=lambda done: bar.update(task, completed=done))
            bar.update(task, description="Committing")
    except service.ImportRefused as exc:
        if exc.summary is not None:
            console.print(render(exc.summary))
        err.print(f"[red]Nothing imported:[/red] {exc.message}")
        raise typer.Exit(1)
    except DomainError as exc:
        err.print(f"[red]Nothing imported:[/red] {exc.message}")
        raise typer.Exit(1)
    except SQLAlchemyError as exc:
        err.print(f"[red]Import failed; nothing was written:[/red] {getattr(exc, 'orig', None) or exc}")
        raise typer.Exit(1)
    console.print(render(summary))
    if dry_run:
        console.print("Dry run: nothing was written.")
    else:
        console.print(f"Imported {summary.imported:,} calls from {file.name} as batch {summary.batch_id}.")


measures_app = typer.Typer(help="Performance measures: export ours, import other forces' to compare.",
                           no_args_is_help=True)
app.add_typer(measures_app, name="measures")


@measures_app.command("export")
def measures_export(
    start: Annotated[str, typer.Option("--from", help="First local date of the first period (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Local date the last period ends (excluded, YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option(help="The file to write.")],
    period: Annotated[str, typer.Option(help="day, week (from Monday), month or quarter.")] = "month",
    format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    force_name: Annotated[Optional[str], typer.Option(help="The force column (default: the force_name setting).")] = None,
) -> None:
    """Write our measures pack per local calendar period in the open exchange format."""
    from datetime import date

    from demandhub.app import load_configuration  # its ConfigurationRefused is a ValueError
    from demandhub.errors import DomainError
    from demandhub.measures import exchange, exchange_store
    from demandhub.measures.definitions import Standards

    settings = get_settings()
    if format not in ("csv", "parquet"):
        err.print(f"[red]--format must be csv or parquet, not {format!r}.[/red]")
        raise typer.Exit(2)
    try:
        chosen = exchange_store.periods(date.fromisoformat(start), date.fromisoformat(end), period)
        config = load_configuration(settings)
    except ValueError as exc:  # a date that is not YYYY-MM-DD, or a configuration file refused
        err.print(f"[red]Export refused:[/red] {exc}")
        raise typer.Exit(2)
    except DomainError as exc:
        err.print(f"[red]Export refused:[/red] {exc.message}")
        raise typer.Exit(2)
    standards = Standards.for_force(config.dispatch_rules, settings)
    force = (force_name or settings.force_name).strip()
    if not 1 <= len(force) <= exchange.MAX_LENGTHS["force"]:
        err.print(f"[red]Export refused:[/red] --force-name must be 1 to {exchange.MAX_LENGTHS['force']} characters.")
        raise typer.Exit(2)
    with console.status(f"Computing {len(chosen)} {period}{'s' if len(chosen) != 1 else ''}…"), \
            db.reader_factory(_migrated(settings))() as session:
        rows = exchange_store.export_rows(session, periods=chosen, force=force, standards=standards,
                                          grades=config.policy.grade_codes, as_of=utcnow())
    body = exchange.to_csv(rows) if format == "csv" else exchange.to_parquet(rows)
    try:
        out.write_bytes(body)
    except OSError as exc:
        err.print(f"[red]Could not write {out}:[/red] {exc}")
        raise typer.Exit(1)
    console.print(f"Wrote {len(rows):,} rows ({len(chosen)} {period} periods, definitions "
                  f"{exchange.DEFINITIONS_VERSION}) for {force} to {out}.")


@measures_app.command("import")
def measures_import(file: Annotated[Path, typer.Argument(help="Another force's export: CSV or Parquet.")]) -> None:
    """Import another force's measures to compare: checked strictly, all of it or nothing."""
    from demandhub.errors import DomainError
    from demandhub.measures import exchange_store

    settings = get_settings()
    try:
        if file.stat().st_size > exchange_store.MAX_FILE_BYTES:
            err.print(f"[red]Nothing imported:[/red] {file.name} is over "
                      f"{exchange_store.MAX_FILE_BYTES // 1_048_576} MB.")
            raise typer.Exit(1)
        data = file.read_bytes()
    except OSError as exc:
        err.print(f"[red]Nothing imported:[/red] {exc}")
        raise typer.Exit(1)
    try:
        with db.unit_of_work(db.session_factory(_migrated(settings))) as session:
            summary = exchange_store.import_file(session, data=data, name=file.name, our_force=settings.force_name,
                                                 actor="cli", now=utcnow())
    except DomainError as exc:
        err.print(f"[red]Nothing imported:[/red] {exc.message}")
        for p in exc.problems[1:10]:
            err.print(f"  {p.get('where', '')}: {p.get('message', '')}")
        raise typer.Exit(1)
    console.print(summary.message)


@app.command("report")
def board_report(
    start: Annotated[str, typer.Option("--from", help="First local day of the period (YYYY-MM-DD), included.")],
    end: Annotated[str, typer.Option("--to", help="Local day the period ends (YYYY-MM-DD), not included.")],
    out: Annotated[Path, typer.Option(help="Folder to write the HTML and PDF to.")] = Path("."),
    commentary: Annotated[Optional[Path], typer.Option(help="Commentary per part: a .yaml or .md file "
                                                            "(slots: summary, 999, 101, digital, attendance, "
                                                            "resolution, quality, demand).")] = None,
    force_name: Annotated[Optional[str], typer.Option(help="The force named on the paper (default: the "
                                                           "force_name setting).")] = None,
    compare: Annotated[bool, typer.Option(help="Add other forces' imported measures side by side.")] = False,
) -> None:
    """Write the board's performance paper for the period as HTML and PDF."""
    from datetime import date

    from demandhub.app import ConfigurationRefused, load_configuration
    from demandhub.errors import DomainError
    from demandhub.measures.definitions import Standards
    from demandhub.reports import board, board_commentary, board_html, board_pdf

    settings = get_settings()
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        err.print(f"[red]Report refused:[/red] --from and --to are dates written YYYY-MM-DD (got {start!r}, {end!r}).")
        raise typer.Exit(2)
    try:
        board.check_period(first, last)
        notes = commentary and board_commentary.load(commentary)
        config = load_configuration(settings)
    except (DomainError, board_commentary.CommentaryError, ConfigurationRefused) as exc:
        err.print(f"[red]Report refused:[/red] {getattr(exc, 'message', None) or exc}")
        raise typer.Exit(2)
    standards = Standards.for_force(config.dispatch_rules, settings)
    with console.status("Reading the measures…"), db.reader_factory(_migrated(settings))() as session:
        paper = board.assemble(session, start=first, end=last, now=utcnow(), force=force_name or settings.force_name,
                               grades=config.policy.grade_codes, standards=standards, checklist=config.checklist,
                               commentary=notes or None, compare=compare)
    html_path, pdf_path = out / f"{paper.basename}.html", out / f"{paper.basename}.pdf"
    documents = {html_path: board_html.render(paper).encode("utf-8"), pdf_path: board_pdf.render(paper)}
    staged = {path: path.with_name(f".{path.name}.partial") for path in documents}
    try:  # both or neither: each written beside its place, then both moved in
        out.mkdir(parents=True, exist_ok=True)
        for path, data in documents.items():
            staged[path].write_bytes(data)
        for path, partial in staged.items():
            partial.replace(path)
    except OSError as exc:
        for partial in staged.values():
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        err.print(f"[red]Cannot write the report to {out}:[/red] {exc}")
        raise typer.Exit(1)
    for note in paper.notes:
        console.print(f"Note: {note}")
    missing = paper.commentary.missing
    if missing:
        console.print(f"Commentary still to be written: {', '.join(missing)}.")
    console.print(f"Wrote {html_path}", soft_wrap=True)  # a path is copied whole: never folded
    console.print(f"Wrote {pdf_path}", soft_wrap=True)


@app.command("plan")
def plan_staff(
    weeks_history: Annotated[int, typer.Option(help="Whole weeks of history the forecast is made from.")] = 8,
    days: Annotated[int, typer.Option(help="Days planned.")] = 7,
    start: Annotated[Optional[str], typer.Option(help="First day planned, YYYY-MM-DD (local); default tomorrow. "
                                                     "History is the weeks before it (or before today).")] = None,
    channel: Annotated[Optional[str], typer.Option(help="Plan one channel only, e.g. 999.")] = None,
    csv_file: Annotated[Optional[Path], typer.Option("--csv", help="Also write every row to this CSV file.")] = None,
) -> None:
    """Forecast contacts per half hour and the handlers needed to meet each channel's answer standard."""
    from datetime import date, timedelta
    from zoneinfo import ZoneInfo

    from demandhub.errors import DomainError
    from demandhub.planning.plan import check_start, make_plan, weekday_name, write_csv
    from demandhub.planning.standards import PlanningStandardsError, load_standards

    settings = get_settings()
    today = utcnow().astimezone(ZoneInfo(settings.timezone)).date()
    try:
        first = date.fromisoformat(start) if start else today + timedelta(days=1)
    except ValueError:
        err.print(f"[red]--start must be a date, YYYY-MM-DD:[/red] {start!r}")
        raise typer.Exit(2)
    try:
        standards = load_standards(settings.planning_file)
    except PlanningStandardsError as exc:
        err.print(f"[red]Planning standards refused:[/red] {exc}")
        raise typer.Exit(2)
    if csv_file and (csv_file.is_dir() or not csv_file.parent.is_dir()):  # said before the work, not after it
        err.print(f"[red]Cannot write the CSV file {csv_file}:[/red] no such folder, or it is a folder itself")
        raise typer.Exit(2)
    try:
        check_start(first, today)
        with db.reader_factory(_migrated(settings))() as session:
            plan = make_plan(session, first=first, days=days, weeks_history=weeks_history,
                             timezone=settings.timezone, standards=standards,
                             channels=[channel] if channel else None, history_until=today)
    except DomainError as exc:
        problems = "; ".join(f"{p['field']}: {p['message']}" for p in exc.problems)
        err.print(f"[red]{exc.message}[/red]{' (' + problems + ')' if problems else ''}")
        raise typer.Exit(2)
    console.print(f"Staffing plan from {first} for {days} day(s), forecast from {plan.history_first} to "
                  f"{plan.history_last} ({settings.timezone}); standards {standards.name} v{standards.version}.")
    for c in plan.channels:
        std = (f"{c.standard.service_level:.0%} within {c.standard.target_s:g} s, {c.model.replace('_', ' ')}, "
               f"shrinkage {c.shrinkage:.0%}" if c.standard else "no standard: forecast only")
        source = f"mean of {c.aht_from}" if c.aht_from else "default"
        patience = f", patience {c.patience_s:.0f} s from {c.abandons} abandons" if c.patience_s else ""
        console.print(f"[bold]{c.label}[/bold]: {std}; handling time {c.aht_s:.0f} s ({source}){patience}; "
                      f"{c.history_contacts:,} contacts in the history.{' ' + c.note if c.note else ''}")
    for day in plan.dates():
        for c in plan.channels:
            table = Table(title=f"{c.label}, {weekday_name(day)} {day}", title_justify="left")
            table.add_column("time")
            table.add_column(f"forecast ({plan.coverage:.0%} range)", justify="right")
            table.add_column("on contacts", justify="right")
            table.add_column("rostered", justify="right")
            for r in plan.rows_on(day, c.channel):
                if r.need is None:
                    staff = ("-", "-")
                elif not r.need.met:
                    staff = (f"[red]{r.need.problem}[/red]", "")
                else:
                    staff = (str(r.on_phones), str(r.rostered))
                table.add_row(r.time, f"{r.forecast:.1f} ({r.low:.0f}-{r.high:.0f})", *staff)
            console.print(table)
    if csv_file:
        try:
            with open(csv_file, "w", newline="", encoding="utf-8") as out:
                written = write_csv(plan, out)
        except OSError as exc:
            err.print(f"[red]Cannot write the CSV file:[/red] {exc}")
            raise typer.Exit(1)
        console.print(f"Wrote {written:,} rows to {csv_file}.")


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as exc:  # a bad DEMANDHUB_* setting: say which, not a traceback
        err.print(f"[red]Configuration refused:[/red] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
