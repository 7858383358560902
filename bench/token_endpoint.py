"""The OAuth token endpoint and bearer authentication under a real gunicorn, as ratios.

    .venv/bin/python bench/token_endpoint.py [--seconds 10] [--vanilla-seconds 10]
                                             [--concurrency 4 8] [--workers 2]

Scenarios (the bench-only views live in bench/bench_urls.py, served with
bench/bench_settings.py = portal.settings + those URLs):

  token      POST /oauth/token, grant_type=client_credentials, HTTP Basic, for a client
             made by tokens.services.create_oauth_client (HMAC-hashed secret): the portal
             as shipped. A 200 counts only if the body has an access_token.
  floor      POST /bench/floor: one PostgreSQL INSERT (an audit row), 200 JSON.
  vanilla    POST /bench/oauth-vanilla/token: the same request against a client whose
             secret Django's default password hasher (PBKDF2) hashed, served by DOT's
             TokenView with DOT's stock OAuth2Validator.
  protected  GET /bench/protected: BearerAuthentication + HasScopes (no scope needed),
             with an API token from tokens.services.create_api_token.
  open       GET /bench/open: the same trivial view without authentication.

Needs PostgreSQL: DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/portal_bench
(the database is created with psql when missing). Runs migrate, createcachetable and
seed_demo, makes the credentials in this process (replacing those of earlier runs), then
starts gunicorn on a free port of 127.0.0.1 with RATE_LIMITS_ENABLED=0, LOG_LEVEL=WARNING
and DEBUG=0 (unless DEBUG is set: with DEBUG on, Django records every SQL query). For each
scenario and concurrency: a 2 s warm-up, then `--seconds` of load (`--vanilla-seconds` for
the CPU-bound PBKDF2 scenario) from that many threads sending requests one after another
over http.client. Anything but a 200 (or a failed connection, status 0) is an error. The
server is always stopped at the end. A benchmark, not a test: it asserts nothing.

Goals (from the issue): token/floor req/s >= 0.5, token P95 / floor P95 <= 2,
token/vanilla req/s >= 100, bearer authentication adds <= 1 ms at the P50.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import secrets as pysecrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql", "postgis"}
SETTINGS_MODULE = "bench.bench_settings"
BENCH_NAME = "bench token_endpoint"  # credentials of earlier runs are found (and replaced) by this name
WARMUP_SECONDS = 2.0
STARTUP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0  # PBKDF2 under 8 clients on 2 cores queues for seconds
NO_ACCESS_TOKEN = -1  # pseudo status: a 200 from a token endpoint without an access_token
# A keep-alive connection the server has just closed fails on first use; retrying once on
# a fresh connection is what any HTTP client does and is not a server error.
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
TOKEN_BODY = b"grant_type=client_credentials"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    wants_access_token: bool = False


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    # The first answer seen for each non-200 status: why it failed.
    samples: dict[int, str] = field(default_factory=dict)
    elapsed: float = 0.0

    def merge(self, other: Result) -> None:
        self.latencies_ms.extend(other.latencies_ms)
        self.statuses.update(other.statuses)
        for status, sample in other.samples.items():
            self.samples.setdefault(status, sample)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0


@dataclass(frozen=True)
class Credentials:
    token_basic: str  # Authorization header value, HMAC client
    vanilla_basic: str  # Authorization header value, PBKDF2 client
    bearer: str
    scopes: list[str]
    vanilla_hasher: str
    vendor: str
    cache_backend: str


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured load per run (default 10)")
    parser.add_argument(
        "--vanilla-seconds", type=float, default=10.0, help="measured load per vanilla (PBKDF2) run (default 10)"
    )
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[4, 8], help="client threads, one run each (default 4 8)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.vanilla_seconds <= 0:
        parser.error("--seconds and --vanilla-seconds must be > 0")
    if min(args.concurrency) < 1 or args.workers < 1:
        parser.error("--concurrency and --workers must be >= 1")
    return args


# --- Database and Django ------------------------------------------------------------


def ensure_postgres_database(url: str) -> None:
    """Create the database named in ``url`` with psql unless it exists."""
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise SystemExit(f"DATABASE_URL must point to PostgreSQL (postgres://...), not {parts.scheme or url!r}")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise SystemExit("DATABASE_URL names no database")
    psql = shutil.which("psql")
    if psql is None:
        raise SystemExit("psql is not on PATH: cannot check whether the benchmark database exists")
    argv = [psql, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-v", f"dbname={name}", "-d", "postgres"]
    if parts.hostname:
        argv += ["-h", parts.hostname]
    if parts.port:
        argv += ["-p", str(parts.port)]
    if parts.username:
        argv += ["-U", unquote(parts.username)]
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)

    def run(sql: str) -> str:
        # Via stdin, because psql interpolates :'var' / :"var" only there, not in -c.
        done = subprocess.run(argv, input=sql, env=env, capture_output=True, text=True, timeout=30, check=False)
        if done.returncode != 0:
            raise SystemExit(f"psql failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout.strip()

    if run("SELECT 1 FROM pg_database WHERE datname = :'dbname';") != "1":
        run('CREATE DATABASE :"dbname";')
        print(f"created database {name}", file=sys.stderr)


def configure_environment() -> dict[str, str]:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DEBUG", "0")
    os.environ.update(
        {
            "RATE_LIMITS_ENABLED": "0",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return dict(os.environ)


def manage(env: dict[str, str], *args: str) -> None:
    argv = [sys.executable, "manage.py", *args]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{' '.join(argv[1:])} failed with exit code {done.returncode}")


def basic_auth(client_id: str, secret: str) -> str:
    # RFC 6749 2.3.1: both parts form-urlencoded before base64.
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def prepare_credentials() -> Credentials:
    """Both OAuth clients and the API token, made in this process with the ORM."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import identify_hasher
    from django.contrib.auth.models import User
    from django.db import connection, connections

    from partners.models import Partner
    from portal import demo
    from tokens import scopes as catalog
    from tokens import services
    from tokens.models import ApiToken, OAuthClient
    from tokens.scope_data import OAUTH2

    try:
        if connection.vendor != "postgresql":
            raise SystemExit(f"the benchmark needs PostgreSQL, DATABASE_URL gives {connection.vendor}")
        alice = User.objects.get(email=demo.PARTNER_EMAIL)
        partner = Partner.objects.filter(memberships__user=alice, legal_name=demo.PARTNER_NAME).first()
        if partner is None:
            raise SystemExit("seed_demo did not create the demo partner")
        # Credentials of earlier runs, with the access tokens they were issued: gone first,
        # so the partner stays under its limits and the tables do not grow run after run.
        OAuthClient.objects.filter(partner=partner, name__startswith=BENCH_NAME).delete()
        ApiToken.objects.filter(partner=partner, name__startswith=BENCH_NAME).delete()

        allowed = set(partner.allowed_categories)
        scopes = [
            code for code, s in catalog.SCOPES_BY_CODE.items() if OAUTH2 in s.auth_methods and s.category in allowed
        ][:3]
        if not scopes:
            raise SystemExit("the demo partner may not give any scope to an OAuth client")
        issued = services.create_oauth_client(partner=partner, name=f"{BENCH_NAME} hmac", scopes=scopes, by=alice)
        shipped = issued.client

        vanilla_secret = pysecrets.token_urlsafe(36)
        vanilla = OAuthClient.objects.create(
            partner=partner,
            name=f"{BENCH_NAME} pbkdf2",
            client_type=shipped.client_type,
            authorization_grant_type=shipped.authorization_grant_type,
            hash_client_secret=True,  # DOT's ClientSecretField hashes it with make_password on save
            client_secret=vanilla_secret,
            secret_prefix=vanilla_secret[:6],
            scopes=list(shipped.scopes),
            token_endpoint_auth_method=shipped.token_endpoint_auth_method,
            created_by=alice,
        )
        vanilla.refresh_from_db()
        hasher = identify_hasher(vanilla.client_secret)
        iterations = getattr(hasher, "iterations", None)

        api_token = services.create_api_token(
            partner=partner,
            name=BENCH_NAME,
            scopes=["cms.partner.read"],
            environment="sandbox",
            expires_in_days=1,
            by=alice,
        )
        return Credentials(
            token_basic=basic_auth(shipped.client_id, issued.secret),
            vanilla_basic=basic_auth(vanilla.client_id, vanilla_secret),
            bearer=api_token.secret,
            scopes=list(shipped.scopes),
            vanilla_hasher=f"{hasher.algorithm}" + (f" ({iterations} iterations)" if iterations else ""),
            vendor=connection.vendor,
            cache_backend=settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        )
    finally:
        connections.close_all()


def scenarios(creds: Credentials) -> list[Scenario]:
    form = {"Content-Type": FORM}
    return [
        Scenario(
            "token",
            "POST",
            "/oauth/token",
            {**form, "Authorization": creds.token_basic},
            TOKEN_BODY,
            wants_access_token=True,
        ),
        Scenario("floor", "POST", "/bench/floor", form, TOKEN_BODY),
        Scenario(
            "vanilla",
            "POST",
            "/bench/oauth-vanilla/token",
            {**form, "Authorization": creds.vanilla_basic},
            TOKEN_BODY,
            wants_access_token=True,
        ),
        Scenario("protected", "GET", "/bench/protected", {"Authorization": f"Bearer {creds.bearer}"}),
        Scenario("open", "GET", "/bench/open"),
    ]


# --- HTTP ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def send(port: int, scenario: Scenario, timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(scenario.method, scenario.path, body=scenario.body, headers=scenario.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until_up(proc: subprocess.Popen[bytes], port: int) -> None:
    probe = Scenario("open", "GET", "/bench/open")
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last: tuple[int, bytes] | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {proc.returncode} during start-up")
        try:
            last = send(port, probe, timeout=2)
        except (OSError, http.client.HTTPException):
            last = None
        if last is not None and last[0] == 200:
            return
        time.sleep(0.2)
    detail = "no answer" if last is None else f"HTTP {last[0]}: {last[1][:300].decode(errors='replace')}"
    raise SystemExit(f"gunicorn did not answer /bench/open with 200 within {STARTUP_TIMEOUT:.0f} s ({detail})")


def describe(status: int, body: bytes, content_type: str) -> str:
    if "json" in content_type or status == NO_ACCESS_TOKEN:
        return body.decode(errors="replace")[:400]
    return f"{content_type or 'no Content-Type'}, {len(body)} bytes: {body[:160].decode(errors='replace')!r}"


def client(port: int, scenario: Scenario, deadline: float, result: Result) -> None:
    """Sequential requests until the deadline; reconnects whenever the server closes."""
    conn: http.client.HTTPConnection | None = None
    while time.monotonic() < deadline:
        start = time.perf_counter()
        status = 0
        sample = ""
        for attempt in range(2):
            reused = conn is not None
            current = conn or http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
            conn = None
            try:
                current.request(scenario.method, scenario.path, body=scenario.body, headers=scenario.headers)
                response = current.getresponse()
                body = response.read()
            except STALE_CONNECTION_ERRORS as exc:
                current.close()
                if reused and attempt == 0:
                    continue
                sample = f"{type(exc).__name__}: {exc}"
                break
            except (OSError, http.client.HTTPException) as exc:
                current.close()
                sample = f"{type(exc).__name__}: {exc}"
                break
            status = response.status
            if status == 200 and scenario.wants_access_token and b'"access_token"' not in body:
                status = NO_ACCESS_TOKEN
            if status != 200 and status not in result.samples:
                sample = describe(status, body, response.getheader("Content-Type", ""))
            if response.will_close:
                current.close()
            else:
                conn = current
            break
        result.latencies_ms.append((time.perf_counter() - start) * 1000)
        result.statuses[status] += 1
        if status != 200:
            result.samples.setdefault(status, sample)
    if conn is not None:
        conn.close()


def load(port: int, scenario: Scenario, seconds: float, concurrency: int) -> Result:
    results = [Result() for _ in range(concurrency)]
    start = time.monotonic()
    deadline = start + seconds
    threads = [
        threading.Thread(target=client, args=(port, scenario, deadline, r), daemon=True, name=f"client-{i}")
        for i, r in enumerate(results)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Elapsed includes the requests still in flight at the deadline, which are counted.
    total = Result(elapsed=time.monotonic() - start)
    for r in results:
        total.merge(r)
    return total


def sanity_checks(port: int, creds: Credentials) -> list[str]:
    """One request each, before any load: do the endpoints answer what the scenarios assume?"""
    form = {"Content-Type": FORM}
    cases = [
        ("shipped endpoint, HMAC client", "/oauth/token", creds.token_basic, 200),
        ("vanilla endpoint, PBKDF2 client", "/bench/oauth-vanilla/token", creds.vanilla_basic, 200),
        # The stock validator treats "hmac$..." as a plain secret, the portal's refuses
        # password hashes: each endpoint refusing the other's client shows which validator runs.
        ("shipped endpoint, PBKDF2 client", "/oauth/token", creds.vanilla_basic, 401),
        ("vanilla endpoint, HMAC client", "/bench/oauth-vanilla/token", creds.token_basic, 401),
    ]
    lines = []
    for label, path, auth, expected in cases:
        scenario = Scenario(label, "POST", path, {**form, "Authorization": auth}, TOKEN_BODY)
        status, body = send(port, scenario)
        verdict = "ok" if status == expected else f"UNEXPECTED (wanted {expected})"
        lines.append(f"  {label:<34} HTTP {status}  {verdict}  {body[:120].decode(errors='replace')}")
    for label, headers, expected in [
        ("protected, bearer API token", {"Authorization": f"Bearer {creds.bearer}"}, 200),
        ("protected, no credential", {}, 401),
    ]:
        status, body = send(port, Scenario(label, "GET", "/bench/protected", headers))
        verdict = "ok" if status == expected else f"UNEXPECTED (wanted {expected})"
        lines.append(f"  {label:<34} HTTP {status}  {verdict}  {body[:120].decode(errors='replace')}")
    return lines


# --- Report ---------------------------------------------------------------------------------


def percentiles(latencies_ms: list[float]) -> tuple[float, float, float]:
    if not latencies_ms:
        return (float("nan"),) * 3
    if len(latencies_ms) == 1:
        return (latencies_ms[0],) * 3
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def print_table(rows: list[tuple[str, int, Result]]) -> None:
    header = (
        f"{'scenario':<11}{'conc':>5}{'requests':>10}{'req/s':>10}"
        f"{'P50 ms':>10}{'P95 ms':>10}{'P99 ms':>10}{'errors':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, concurrency, r in rows:
        p50, p95, p99 = percentiles(r.latencies_ms)
        print(
            f"{name:<11}{concurrency:>5}{r.requests:>10}{r.rate:>10.1f}{p50:>10.1f}{p95:>10.1f}{p99:>10.1f}{r.errors:>8}"
        )
    for name, concurrency, r in rows:
        for status, n in sorted(r.statuses.items()):
            if status != 200:
                label = {0: "connection failed", NO_ACCESS_TOKEN: "200 without access_token"}.get(status)
                label = label or f"HTTP {status}"
                print(f"  {name} c={concurrency}: {n} x {label}, first: {r.samples.get(status, '')}")


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def verdict(value: float, goal: float, at_least: bool) -> str:
    if value != value:  # NaN
        return "n/a"
    met = value >= goal if at_least else value <= goal
    return "met" if met else "MISSED"


def print_ratios(rows: list[tuple[str, int, Result]], concurrencies: list[int]) -> None:
    by = {(name, c): r for name, c, r in rows}
    print("\nratios (goal in brackets)")
    for c in concurrencies:
        token, floor, vanilla = by[("token", c)], by[("floor", c)], by[("vanilla", c)]
        protected, open_ = by[("protected", c)], by[("open", c)]
        rps = ratio(token.rate, floor.rate)
        p95 = ratio(percentiles(token.latencies_ms)[1], percentiles(floor.latencies_ms)[1])
        vs_vanilla = ratio(token.rate, vanilla.rate)
        overhead = percentiles(protected.latencies_ms)[0] - percentiles(open_.latencies_ms)[0]
        print(f"  concurrency {c}")
        print(f"    token/floor req/s        {rps:>9.3f}   [>= 0.5]  {verdict(rps, 0.5, True)}")
        print(f"    token P95 / floor P95    {p95:>9.3f}   [<= 2]    {verdict(p95, 2.0, False)}")
        print(f"    token/vanilla req/s      {vs_vanilla:>9.2f}   [>= 100]  {verdict(vs_vanilla, 100.0, True)}")
        print(f"    bearer overhead P50 ms   {overhead:>9.2f}   [<= 1]    {verdict(overhead, 1.0, False)}")


def tail(log: IO[bytes], limit: int = 4000) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-limit:]


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    env = configure_environment()
    ensure_postgres_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "seed_demo")
    creds = prepare_credentials()

    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    # No control socket: its default path (~/.gunicorn/gunicorn.ctl) is shared with any other
    # gunicorn on the machine, e.g. one from `make run`, and is removed at shutdown.
    # portal.wsgi only setdefault()s DJANGO_SETTINGS_MODULE, so the bench settings apply.
    argv_server = [
        gunicorn,
        "portal.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--no-control-socket",
    ]
    rows: list[tuple[str, int, Result]] = []
    checks: list[str] = []
    server_log = ""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv_server, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_until_up(proc, port)
            except SystemExit:
                sys.stderr.write(tail(log))
                raise
            checks = sanity_checks(port, creds)
            for scenario in scenarios(creds):
                seconds = args.vanilla_seconds if scenario.name == "vanilla" else args.seconds
                for concurrency in args.concurrency:
                    load(port, scenario, WARMUP_SECONDS, concurrency)
                    rows.append((scenario.name, concurrency, load(port, scenario, seconds, concurrency)))
        finally:
            stop(proc)
        if any(r.errors for _, _, r in rows) or any("UNEXPECTED" in line for line in checks):
            server_log = tail(log)

    print(
        f"database={creds.vendor} cache={creds.cache_backend} debug={env['DEBUG']} workers={args.workers} "
        f"seconds={args.seconds:g} vanilla-seconds={args.vanilla_seconds:g} warm-up={WARMUP_SECONDS:g} "
        f"server=gunicorn {HOST}:{port}"
    )
    print(
        f"note: load generator and server share this machine's {os.cpu_count()} cores; "
        "compare the ratios, not the absolute numbers"
    )
    print(f"client scopes: {' '.join(creds.scopes)}; vanilla client secret hasher: {creds.vanilla_hasher}")
    print("sanity checks (one request each, before the load):")
    print("\n".join(checks))
    print()
    print_table(rows)
    print_ratios(rows, args.concurrency)
    if server_log:
        print(f"--- gunicorn output (tail) ---\n{server_log}")


if __name__ == "__main__":
    main()
