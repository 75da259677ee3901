#!/usr/bin/env python3
"""Contact intake throughput through the HTTP API, on SQLite and PostgreSQL.

Not a test. One "complete contact" is the handler's whole journey:

    POST /api/contacts                      (with a unique Idempotency-Key)
    POST /api/contacts/{id}/assessments     (a complete THRIVE+ assessment and NDM record)
    POST /api/contacts/{id}/incident        {"decision": "accept"}

For every configuration (backend x workers x clients) the script starts `demandhub serve` as a
subprocess on a free port with a fresh database, waits until it answers, logs in, runs C
concurrent clients (asyncio + httpx.AsyncClient, keep-alive) doing complete contacts in a loop
for a warm-up and then a fixed measured time, stops the server and drops the database. With
PostgreSQL it then runs pgbench against the same server (a single-row INSERT into a small table
of its own) as the baseline, and prints everything as Markdown.

Every non-2xx answer and every transport error is counted and shown; a contact whose step failed
is not counted as complete. All traffic goes to 127.0.0.1. Every loop is bounded in time.

    .venv/bin/python benchmarks/api_throughput.py --backend both --clients 8 32 --workers 1 2 --seconds 20

Requirements: the project's venv (httpx, psycopg are already there) and, for the baseline, the
`pgbench` binary (Debian: postgresql-client). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STEPS = ("contact", "assessment", "incident")  # flow "steps": three requests
FLOWS = ("steps", "call")  # "call": one POST /api/calls with all three parts
DEMO_PASSWORD = "demandhub-demo"
HANDLERS = ("handler", "resolver", "supervisor")  # demo users allowed to take, assess and grade a contact

# A few realistic calls, from an emergency to a routine report; the grade comes from the policy.
SCENARIOS = [
    dict(channel="999", incident_type="crime.domestic_abuse", level="high",
         description="My ex-partner is outside with a knife and says he will kill me. He is still here.",
         vulnerabilities=["domestic_abuse"]),
    dict(channel="101", incident_type="crime.theft", level="low",
         description="My bike was stolen from outside the shop sometime this afternoon."),
    dict(channel="101", incident_type="crime.criminal_damage", level="medium",
         description="Someone has smashed the window of my car overnight, nobody about now."),
    dict(channel="999", incident_type="transport.rtc_damage_only", level="low",
         description="Two cars have collided at the junction, nobody is hurt, the road is partly blocked."),
    dict(channel="online", incident_type="asb.nuisance", level="low",
         description="Loud music from the flat upstairs every night this week."),
    dict(channel="101", incident_type="public_safety.concern_for_safety", level="medium",
         description="My elderly neighbour has not answered the door for two days and the post is piling up.",
         vulnerabilities=["elderly_dementia"]),
]


# --------------------------------------------------------------------------- small helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def pct(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..100); NaN when empty."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def ms(seconds: float) -> str:
    return "n/a" if seconds != seconds else f"{seconds * 1000:.1f}"


def cpu_ticks_of(pids: set[int]) -> float:
    """CPU seconds (user+system) used so far by these processes; vanished ones count as 0."""
    hz = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / hz


def process_tree(root: int) -> set[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children[ppid].append(int(entry.name))
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(children.get(pid, ()))
    return seen


def postgres_pids() -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.add(int(entry.name))
            except OSError:
                pass
    return pids


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


class CpuMeter:
    """CPU used by the server tree, PostgreSQL, and this load generator over a window."""

    def __init__(self, server_pid: int, with_postgres: bool):
        self.server_pid, self.with_postgres = server_pid, with_postgres

    def _sample(self):
        server = cpu_ticks_of(process_tree(self.server_pid))
        pg = cpu_ticks_of(postgres_pids()) if self.with_postgres else 0.0
        me = resource.getrusage(resource.RUSAGE_SELF)
        return time.monotonic(), server, pg, me.ru_utime + me.ru_stime, machine_busy()

    def start(self):
        self._a = self._sample()

    def stop(self) -> dict:
        b = self._sample()
        a = self._a
        wall = b[0] - a[0]
        busy = (b[4][0] - a[4][0]) / max(1, b[4][1] - a[4][1])
        ncpu = os.cpu_count() or 1
        # Percent of ONE core (so 200 % = both cores of a 2-core machine busy).
        return {"server": 100 * (b[1] - a[1]) / wall, "postgres": 100 * (b[2] - a[2]) / wall,
                "client": 100 * (b[3] - a[3]) / wall, "machine": 100 * busy * ncpu}


# --------------------------------------------------------------------------- databases


def pg_connect(args, dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(host=args.pg_host, port=args.pg_port, user=args.pg_user, dbname=dbname,
                           autocommit=True, connect_timeout=10)


def pg_create_db(args) -> str:
    name = f"demandhub_bench_{secrets.token_hex(4)}"
    with pg_connect(args) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def pg_drop_db(args, name: str) -> None:
    assert name.startswith("demandhub_bench_")
    with pg_connect(args) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_url(args, name: str) -> str:
    return f"postgresql+psycopg://{args.pg_user}@{args.pg_host}:{args.pg_port}/{name}"


# --------------------------------------------------------------------------- the server


class Server:
    def __init__(self, *, url: str, data_dir: Path, workers: int, log: Path):
        self.url, self.data_dir, self.workers, self.log_path = url, data_dir, workers, log
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 90) -> None:
        env = dict(os.environ, DEMANDHUB_DATA_DIR=str(self.data_dir), DEMANDHUB_DATABASE_URL=self.url)
        exe = Path(sys.executable).with_name("demandhub")
        cmd = [str(exe), "serve", "--host", HOST, "--port", str(self.port), "--demo", "--workers", str(self.workers)]
        self._log = open(self.log_path, "wb")
        # Own session (process group) so that stopping it also stops uvicorn's worker processes.
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}:\n"
                                   + self.log_path.read_text()[-3000:])
            try:
                r = httpx.get(self.base + "/api/me", timeout=2)
                if r.status_code == 401:  # up, and asking who we are
                    # With several workers each one must be up; give the rest a moment.
                    if self.workers > 1:
                        time.sleep(2)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"server did not answer within {timeout_s:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # the group this script created
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self._log.close()
        self.proc = None


# --------------------------------------------------------------------------- the load


@dataclass
class Result:
    backend: str
    workers: int
    clients: int
    seconds: float
    flow: str = "steps"
    completed: int = 0
    contact_latencies: list[float] = field(default_factory=list)
    request_latencies: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS + ("call",)})
    errors: Counter = field(default_factory=Counter)  # "step status" -> count
    grades: Counter = field(default_factory=Counter)
    buckets: Counter = field(default_factory=Counter)  # completions per second of the window
    cpu: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.completed / self.seconds

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def bodies(policy: dict, i: int) -> tuple[dict, dict]:
    s = SCENARIOS[i % len(SCENARIOS)]
    contact = {"channel": s["channel"], "caller_name": f"Caller {i}", "caller_number": "01223 555 010",
               "location_text": f"{1 + i % 200} High Street", "description": f"{s['description']} (ref {i})"}
    dims = {d["name"]: {"level": s["level"], "rationale": f"{d['label']}: {s['level']}, as the caller described."}
            for d in policy["dimensions"]}
    ndm = {f["name"]: f"{f['label']}: recorded for benchmark call {i}." for f in policy["ndm_fields"]}
    assessment = {"incident_type": s["incident_type"], "dimensions": dims, "ndm": ndm, "qualifiers": [],
                  "vulnerabilities": list(s.get("vulnerabilities", [])), "cue_flags": []}
    return contact, assessment


async def run_load(base: str, *, clients: int, warmup_s: float, seconds: float, result: Result,
                   timeout_s: float, measuring: asyncio.Event, flow: str = "steps") -> None:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout_s) as http:
        tokens = []
        for user in HANDLERS:
            r = await http.post("/api/auth/token", json={"username": user, "password": DEMO_PASSWORD})
            r.raise_for_status()
            tokens.append(r.json()["token"])
        r = await http.get("/api/policy", headers={"Authorization": f"Bearer {tokens[0]}"})
        r.raise_for_status()
        policy = r.json()

        counter = itertools.count()
        run_id = secrets.token_hex(4)
        t_start = time.monotonic()
        t_measure = t_start + warmup_s
        t_end = t_measure + seconds
        asyncio.get_running_loop().call_later(warmup_s, measuring.set)

        async def step(name: str, url: str, body: dict, headers: dict, measured: bool):
            t0 = time.monotonic()
            try:
                r = await http.post(url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                if measured:
                    result.errors[f"{name} {type(exc).__name__}"] += 1
                return None
            dt = time.monotonic() - t0
            if measured:
                result.request_latencies[name].append(dt)
                if not 200 <= r.status_code < 300:
                    result.errors[f"{name} HTTP {r.status_code}"] += 1
            if not 200 <= r.status_code < 300:
                if result.error_count <= 3 and measured:
                    print(f"  ! {name} -> {r.status_code}: {r.text[:300]}", file=sys.stderr)
                return None
            return r.json()

        async def client(n: int) -> None:
            headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
            while time.monotonic() < t_end:
                i = next(counter)
                contact, assessment = bodies(policy, i)
                t0 = time.monotonic()
                measured = t_measure <= t0  # contacts started in the warm-up are not counted
                if flow == "call":
                    inc = await step("call", "/api/calls",
                                     {"contact": contact, "assessment": assessment, "decision": {"decision": "accept"}},
                                     {**headers, "Idempotency-Key": f"bench-{run_id}-{i}"}, measured)
                    t1 = time.monotonic()
                    if inc is not None and measured and t1 <= t_end:
                        result.completed += 1
                        result.contact_latencies.append(t1 - t0)
                        result.grades[inc.get("grade", "?")] += 1
                        result.buckets[int(t1 - t_measure)] += 1
                    continue
                c = await step("contact", "/api/contacts", contact,
                               {**headers, "Idempotency-Key": f"bench-{run_id}-{i}"}, measured)
                if c is None:
                    continue
                a = await step("assessment", f"/api/contacts/{c['id']}/assessments", assessment, headers, measured)
                if a is None:
                    continue
                inc = await step("incident", f"/api/contacts/{c['id']}/incident", {"decision": "accept"},
                                 headers, measured)
                t1 = time.monotonic()
                if inc is None or not measured or t1 > t_end:
                    continue  # only contacts started and finished inside the window count
                result.completed += 1
                result.contact_latencies.append(t1 - t0)
                result.grades[inc.get("grade", "?")] += 1
                result.buckets[int(t1 - t_measure)] += 1

        await asyncio.wait_for(asyncio.gather(*(client(n) for n in range(clients))),
                               timeout=warmup_s + seconds + timeout_s + 10)


async def measured_run(server: Server, result: Result, args, with_postgres: bool) -> None:
    meter = CpuMeter(server.proc.pid, with_postgres)
    measuring = asyncio.Event()
    load = asyncio.create_task(run_load(server.base, clients=result.clients, warmup_s=args.warmup,
                                        seconds=result.seconds, result=result, timeout_s=args.timeout,
                                        measuring=measuring, flow=result.flow))
    # Sample CPU over the measured window only (bounded: the load task raises if it cannot start).
    waiter = asyncio.create_task(measuring.wait())
    await asyncio.wait({load, waiter}, return_when=asyncio.FIRST_COMPLETED, timeout=args.warmup + 60)
    if load.done():
        waiter.cancel()
        await load  # re-raises what stopped it
    meter.start()
    await asyncio.sleep(result.seconds - 1)
    result.cpu = meter.stop()
    await load


def one_config(args, backend: str, workers: int, clients: int, tmp: Path, flow: str = "steps") -> Result:
    result = Result(backend=backend, workers=workers, clients=clients, seconds=args.seconds, flow=flow)
    data_dir = Path(tempfile.mkdtemp(prefix=f"{backend}-w{workers}-c{clients}-", dir=tmp))
    dbname = None
    if backend == "sqlite":
        url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    else:
        dbname = pg_create_db(args)
        url = pg_url(args, dbname)
    server = Server(url=url, data_dir=data_dir, workers=workers, log=data_dir / "server.log")
    print(f"# {backend}: flow={flow} workers={workers} clients={clients} on port {server.port} "
          f"({dbname or url}) ...", file=sys.stderr, flush=True)
    try:
        server.start()
        if args.profile:
            profile(server, args, data_dir, backend, workers, clients)
        asyncio.run(measured_run(server, result, args, with_postgres=backend == "postgresql"))
    finally:
        server.stop()
        if dbname:
            pg_drop_db(args, dbname)
    print(f"  {result.completed} complete contacts, {result.rate:.1f}/s, errors {result.error_count}, "
          f"p99 {ms(pct(sorted(result.contact_latencies), 99))} ms", file=sys.stderr, flush=True)
    return result


def profile(server: Server, args, data_dir: Path, backend: str, workers: int, clients: int) -> None:
    """Start py-spy on the server for the warm-up and measured window: collapsed stacks (one line per
    stack with its sample count; flamegraph.pl or speedscope read them)."""
    out = Path(args.profile) / f"{backend}-w{workers}-c{clients}.folded"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [args.py_spy, "record", "--pid", str(server.proc.pid), "--subprocesses", "--rate", "100",
           "--duration", str(int(args.warmup + args.seconds)), "--output", str(out), "--format", "raw"]
    if args.profile_idle:
        cmd += ["--idle", "--nonblocking"]  # also threads waiting (database, locks): where the wall time goes
    else:
        cmd.append("--gil")  # only the thread holding the GIL: where the Python CPU time goes
    subprocess.Popen(cmd, stdout=open(out.with_suffix(".log"), "wb"), stderr=subprocess.STDOUT)
    print(f"  profiling into {out}", file=sys.stderr)


# --------------------------------------------------------------------------- pgbench


@dataclass
class PgbenchResult:
    clients: int
    tps: float
    latency_ms: float
    transactions: int
    failed: int


def run_pgbench(args, clients: int) -> PgbenchResult:
    dbname = pg_create_db(args)
    table = "demandhub_bench_insert"
    script = Path(tempfile.mkstemp(prefix="pgbench-", suffix=".sql")[1])
    try:
        with pg_connect(args, dbname) as conn:
            conn.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, n integer NOT NULL, "
                         "note text NOT NULL, at timestamptz NOT NULL)")
        script.write_text("\\set n random(1, 1000000)\n"
                          f"INSERT INTO {table} (n, note, at) VALUES (:n, 'benchmark row', now());\n")
        cmd = [args.pgbench, "-n", "-f", str(script), "-c", str(clients), "-j", "2", "-T", str(int(args.seconds)),
               "-h", args.pg_host, "-p", str(args.pg_port), "-U", args.pg_user, dbname]
        print(f"# pgbench: {' '.join(cmd[:-1])} <bench db>", file=sys.stderr, flush=True)
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.seconds + 60)
        if out.returncode != 0:
            raise RuntimeError(f"pgbench failed: {out.stderr}")
        text = out.stdout
        tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", text).group(1))
        lat = float(re.search(r"latency average = ([\d.]+) ms", text).group(1))
        done = int(re.search(r"number of transactions actually processed: (\d+)", text).group(1))
        failed_m = re.search(r"number of failed transactions: (\d+)", text)
        with pg_connect(args, dbname) as conn:
            conn.execute(f"DROP TABLE {table}")
        return PgbenchResult(clients, tps, lat, done, int(failed_m.group(1)) if failed_m else 0)
    finally:
        script.unlink(missing_ok=True)
        pg_drop_db(args, dbname)


# --------------------------------------------------------------------------- report


def report(results: list[Result], pgb: list[PgbenchResult], args, pg_settings: dict) -> str:
    lines = []
    lines.append("| backend | flow | workers | clients | complete contacts | contacts/s | contact p50 ms | contact p99 ms "
                 "| request p50 ms | request p99 ms | errors |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        c = sorted(r.contact_latencies)
        req = sorted(x for v in r.request_latencies.values() for x in v)
        errs = str(r.error_count) if not r.errors else f"{r.error_count} (" + ", ".join(
            f"{k}: {v}" for k, v in sorted(r.errors.items())) + ")"
        lines.append(f"| {r.backend} | {r.flow} | {r.workers} | {r.clients} | {r.completed} | {r.rate:.1f} | {ms(pct(c, 50))} "
                     f"| {ms(pct(c, 99))} | {ms(pct(req, 50))} | {ms(pct(req, 99))} | {errs} |")
    lines.append("")
    lines.append("Per request (p50 / p99 ms), lowest and highest 1-second completion rate in the window, "
                 "CPU in % of one core (200 % = both cores), and the grades the policy gave:")
    lines.append("")
    lines.append("| backend | flow | workers | clients | POST contacts | POST assessments | POST incident "
                 "| POST calls | min-max contacts/s (1 s) | CPU server | CPU postgres | CPU load generator "
                 "| CPU machine (all) | CPU other processes | grades |")
    lines.append("|---|---|---:|---:|---|---|---|---|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        per = []
        for s in STEPS + ("call",):
            v = sorted(r.request_latencies[s])
            per.append(f"{ms(pct(v, 50))} / {ms(pct(v, 99))}" if v else "-")
        secs = [r.buckets.get(i, 0) for i in range(int(r.seconds))]
        span = f"{min(secs)}-{max(secs)}" if secs else "n/a"
        cpu = r.cpu or {}
        pgcpu = f"{cpu.get('postgres', 0):.0f} %" if r.backend == "postgresql" else "-"
        grades = ", ".join(f"{g}: {n}" for g, n in sorted(r.grades.items()))
        lines.append(f"| {r.backend} | {r.flow} | {r.workers} | {r.clients} | {per[0]} | {per[1]} | {per[2]} "
                     f"| {per[3]} | {span} "
                     f"| {cpu.get('server', 0):.0f} % | {pgcpu} | {cpu.get('client', 0):.0f} % "
                     f"| {cpu.get('machine', 0):.0f} % "
                     f"| {max(0, cpu.get('machine', 0) - cpu.get('server', 0) - cpu.get('postgres', 0) - cpu.get('client', 0)):.0f} % "
                     f"| {grades} |")
    if pgb:
        lines.append("")
        lines.append(f"PostgreSQL baseline, same server, same run: `pgbench -n -f insert.sql -c C -j 2 "
                     f"-T {int(args.seconds)}`, one single-row INSERT per transaction "
                     f"(synchronous_commit={pg_settings.get('synchronous_commit')}, "
                     f"fsync={pg_settings.get('fsync')}):")
        lines.append("")
        lines.append("| pgbench clients | transactions | tps (single-row INSERT) | latency avg ms | failed |")
        lines.append("|---:|---:|---:|---:|---:|")
        for p in pgb:
            lines.append(f"| {p.clients} | {p.transactions} | {p.tps:.0f} | {p.latency_ms:.2f} | {p.failed} |")
    return "\n".join(lines)


def environment(args, with_pg: bool) -> tuple[str, dict]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    pg_settings: dict = {}
    pg_version = "not used"
    if with_pg:
        with pg_connect(args) as conn:
            pg_version = conn.execute("SELECT version()").fetchone()[0]
            for name in ("synchronous_commit", "fsync", "shared_buffers", "max_connections"):
                pg_settings[name] = conn.execute(f"SHOW {name}").fetchone()[0]
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip("\n")
    env = (f"- date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}\n"
           f"- cores (nproc): {os.cpu_count()}; CPU: {cpu}\n"
           f"- Python {platform.python_version()}, httpx {httpx.__version__}\n"
           f"- PostgreSQL: {pg_version}"
           + (f" ({', '.join(f'{k}={v}' for k, v in pg_settings.items())})" if pg_settings else "") + "\n"
           f"- memory (free -h):\n\n```\n{mem}\n```")
    return env, pg_settings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--clients", type=int, nargs="+", default=[8, 32], help="concurrent clients (several allowed)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                   help="server worker processes for PostgreSQL (SQLite always runs 1)")
    p.add_argument("--flows", nargs="+", choices=FLOWS, default=list(FLOWS),
                   help="steps: POST contact, assessment, incident; call: one POST /api/calls")
    p.add_argument("--seconds", type=float, default=20, help="measured time per configuration")
    p.add_argument("--warmup", type=float, default=3, help="warm-up before measuring, per configuration")
    p.add_argument("--timeout", type=float, default=30, help="per-request timeout")
    p.add_argument("--no-pgbench", action="store_true", help="skip the pgbench baseline")
    p.add_argument("--pgbench", default=shutil.which("pgbench") or "pgbench")
    p.add_argument("--pg-host", default=HOST)
    p.add_argument("--pg-port", type=int, default=5432)
    p.add_argument("--pg-user", default="postgres")
    p.add_argument("--profile", metavar="DIR", help="record a py-spy flame graph of the server per configuration")
    p.add_argument("--profile-idle", action="store_true",
                   help="profile waiting threads too (wall time) instead of CPU time only")
    p.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    p.add_argument("--output", metavar="FILE", help="also write the Markdown report here")
    args = p.parse_args(argv)
    if args.pg_host not in (HOST, "localhost"):
        p.error("this benchmark only talks to 127.0.0.1")
    if args.seconds < 2:
        p.error("--seconds must be at least 2")

    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with_pg = "postgresql" in backends
    env, pg_settings = environment(args, with_pg)
    results: list[Result] = []
    pgb: list[PgbenchResult] = []
    with tempfile.TemporaryDirectory(prefix="demandhub-bench-") as tmp:
        for backend in backends:
            for workers in ([1] if backend == "sqlite" else args.workers):
                for clients in args.clients:
                    for flow in args.flows:
                        results.append(one_config(args, backend, workers, clients, Path(tmp), flow))
        if with_pg and not args.no_pgbench:
            for clients in args.clients:
                pgb.append(run_pgbench(args, clients))

    command = "python " + " ".join([str(Path(sys.argv[0]))] + (argv if argv is not None else sys.argv[1:]))
    out = (f"Command: `{command}`\n\n{env}\n\n"
           f"Measured {args.seconds:g} s per configuration after {args.warmup:g} s warm-up; "
           "one complete contact = POST contact + POST assessment + POST incident (accept) in flow `steps`, "
           "or one POST /api/calls carrying all three in flow `call`.\n\n"
           + report(results, pgb, args, pg_settings) + "\n")
    print(out)
    if args.output:
        Path(args.output).write_text(out)
    return 0 if all(r.error_count == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
