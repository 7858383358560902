"""The OAuth token endpoint and bearer authentication under a real gunicorn, as ratios.

    .venv/bin/python bench/token_endpoint.py [--seconds 10] [--vanilla-seconds 10]
                                             [--concurrency 4 8] [--workers 2]
                                             [--loadgen auto|wrk|python]

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
the CPU-bound PBKDF2 scenario) from that many connections sending requests one after
another. Anything but a 200 (or a failed connection, status 0) is an error. The server is
always stopped at the end. A benchmark, not a test: it asserts nothing.

The load generator shares the cores with the server, so the lighter it is the more the
ratios measure the server: `--loadgen auto` (the default) uses wrk when it is installed
(`apt-get install wrk`; a Lua script sends the POST bodies and headers and checks each
answer) and otherwise Python threads over http.client (bench/loadgen.py), which take a
good part of the CPU themselves. wrk counts whole seconds and does not count connection
set-up in the latency; the vanilla scenario always uses the Python client (at a few
requests per second its CPU does not matter). The first line says which one ran.

Latencies and rates move with whatever else runs on the machine; the CPU time gunicorn's
workers use per request (read from /proc, last column) hardly does, so the output adds
two CPU figures under the ratios: token/floor, and what bearer authentication adds.

The cache is Redis when REDIS_URL is set (as in production); otherwise
redis://127.0.0.1:6379/8 when a Redis answers there (database 8, so that cached rows of
the bench database never meet those of another database), else portal.settings' default
(the database cache table, which costs a PostgreSQL query per cache read).

Goals (from the issue): token/floor req/s >= 0.5, token P95 / floor P95 <= 2,
token/vanilla req/s >= 100, bearer authentication adds <= 1 ms at the P50.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets as pysecrets
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import (
    HOST,
    STARTUP_TIMEOUT,
    Request,
    Result,
    demo_partner,
    ensure_postgres_database,
    gunicorn,
    load,
    manage,
    send,
    wrk_available,
    wrk_load,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
SETTINGS_MODULE = "bench.bench_settings"
BENCH_NAME = "bench token_endpoint"  # credentials of earlier runs are found (and replaced) by this name
WARMUP_SECONDS = 2.0
REQUEST_TIMEOUT = 30.0  # PBKDF2 under 8 clients on 2 cores queues for seconds
NO_ACCESS_TOKEN = -1  # pseudo status: a 200 from a token endpoint without an access_token
TOKEN_BODY = b"grant_type=client_credentials"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Scenario:
    name: str
    request: Request
    wants_access_token: bool = False

    def classify(self, status: int, body: bytes) -> int:
        if status == 200 and self.wants_access_token and b'"access_token"' not in body:
            return NO_ACCESS_TOKEN
        return status


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
    parser.add_argument(
        "--loadgen",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if installed (auto, the default), wrk, or Python threads",
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.vanilla_seconds <= 0:
        parser.error("--seconds and --vanilla-seconds must be > 0")
    if min(args.concurrency) < 1 or args.workers < 1:
        parser.error("--concurrency and --workers must be >= 1")
    if args.loadgen == "auto":
        args.loadgen = "wrk" if wrk_available() else "python"
    elif args.loadgen == "wrk" and not wrk_available():
        parser.error("wrk is not installed (apt-get install wrk)")
    return args


# --- Database and Django ------------------------------------------------------------


def local_redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def configure_environment() -> dict[str, str]:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not os.environ.get("REDIS_URL") and local_redis_answers(DEFAULT_REDIS_URL):
        os.environ["REDIS_URL"] = DEFAULT_REDIS_URL
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
    from django.db import connection, connections

    from scopes import catalog
    from scopes.data import OAUTH2
    from tokens import services
    from tokens.models import ApiToken, OAuthClient

    try:
        alice, partner = demo_partner()
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
            Request("POST", "/oauth/token", {**form, "Authorization": creds.token_basic}, TOKEN_BODY),
            wants_access_token=True,
        ),
        Scenario("floor", Request("POST", "/bench/floor", form, TOKEN_BODY)),
        Scenario(
            "vanilla",
            Request("POST", "/bench/oauth-vanilla/token", {**form, "Authorization": creds.vanilla_basic}, TOKEN_BODY),
            wants_access_token=True,
        ),
        Scenario("protected", Request("GET", "/bench/protected", {"Authorization": f"Bearer {creds.bearer}"})),
        Scenario("open", Request("GET", "/bench/open")),
    ]


# --- HTTP ------------------------------------------------------------------------------


def describe(status: int, body: bytes, content_type: str) -> str:
    if "json" in content_type or status == NO_ACCESS_TOKEN:
        return body.decode(errors="replace")[:400]
    return f"{content_type or 'no Content-Type'}, {len(body)} bytes: {body[:160].decode(errors='replace')!r}"


def run(port: int, scenario: Scenario, concurrency: int, seconds: float, loadgen: str) -> Result:
    # vanilla always runs on Python threads: at a few requests per second their CPU does not
    # matter, and wrk would leave multi-second PBKDF2 requests running at its deadline.
    if loadgen == "wrk" and scenario.name != "vanilla":
        wanted = '"access_token"' if scenario.wants_access_token else ""
        result = wrk_load(port, scenario.request, concurrency, seconds=seconds, timeout=REQUEST_TIMEOUT, wanted=wanted)
        # wrk stops with up to `concurrency` requests unanswered; let the server finish them
        # (they queue ahead of these) before the next run starts.
        load(port, Request("GET", "/bench/open"), concurrency, requests=concurrency, timeout=REQUEST_TIMEOUT)
        return result
    return load(
        port,
        scenario.request,
        concurrency,
        seconds=seconds,
        timeout=REQUEST_TIMEOUT,
        classify=scenario.classify,
        describe=describe,
    )


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
        status, body = send(port, Request("POST", path, {**form, "Authorization": auth}, TOKEN_BODY), REQUEST_TIMEOUT)
        verdict = "ok" if status == expected else f"UNEXPECTED (wanted {expected})"
        lines.append(f"  {label:<34} HTTP {status}  {verdict}  {body[:120].decode(errors='replace')}")
    for label, headers, expected in [
        ("protected, bearer API token", {"Authorization": f"Bearer {creds.bearer}"}, 200),
        ("protected, no credential", {}, 401),
    ]:
        status, body = send(port, Request("GET", "/bench/protected", headers), REQUEST_TIMEOUT)
        verdict = "ok" if status == expected else f"UNEXPECTED (wanted {expected})"
        lines.append(f"  {label:<34} HTTP {status}  {verdict}  {body[:120].decode(errors='replace')}")
    return lines


# --- Report ---------------------------------------------------------------------------------


def print_table(rows: list[tuple[str, int, Result]], cpu_ms: dict[tuple[str, int], float]) -> None:
    header = (
        f"{'scenario':<11}{'conc':>5}{'requests':>10}{'req/s':>10}"
        f"{'P50 ms':>10}{'P95 ms':>10}{'P99 ms':>10}{'errors':>8}{'CPU ms/req':>12}"
    )
    print(header)
    print("-" * len(header))
    for name, concurrency, r in rows:
        p50, p95, p99 = r.percentiles()
        print(
            f"{name:<11}{concurrency:>5}{r.requests:>10}{r.rate:>10.1f}{p50:>10.1f}{p95:>10.1f}{p99:>10.1f}"
            f"{r.errors:>8}{cpu_ms[(name, concurrency)]:>12.2f}"
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


def print_ratios(
    rows: list[tuple[str, int, Result]], concurrencies: list[int], cpu_ms: dict[tuple[str, int], float]
) -> None:
    by = {(name, c): r for name, c, r in rows}
    print("\nratios (goal in brackets)")
    for c in concurrencies:
        token, floor, vanilla = by[("token", c)], by[("floor", c)], by[("vanilla", c)]
        protected, open_ = by[("protected", c)], by[("open", c)]
        rps = ratio(token.rate, floor.rate)
        p95 = ratio(token.percentiles()[1], floor.percentiles()[1])
        vs_vanilla = ratio(token.rate, vanilla.rate)
        overhead = protected.percentiles()[0] - open_.percentiles()[0]
        print(f"  concurrency {c}")
        print(f"    token/floor req/s        {rps:>9.3f}   [>= 0.5]  {verdict(rps, 0.5, True)}")
        print(f"    token P95 / floor P95    {p95:>9.3f}   [<= 2]    {verdict(p95, 2.0, False)}")
        print(f"    token/vanilla req/s      {vs_vanilla:>9.2f}   [>= 100]  {verdict(vs_vanilla, 100.0, True)}")
        print(f"    bearer overhead P50 ms   {overhead:>9.2f}   [<= 1]    {verdict(overhead, 1.0, False)}")
        cpu = {name: cpu_ms[(name, c)] for name in ("token", "floor", "protected", "open")}
        print(
            f"    server CPU per request (no goal; hardly moved by other load): token/floor "
            f"{ratio(cpu['token'], cpu['floor']):.2f}, bearer adds {cpu['protected'] - cpu['open']:.2f} ms"
        )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    env = configure_environment()
    ensure_postgres_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "seed_demo")
    creds = prepare_credentials()

    rows: list[tuple[str, int, Result]] = []
    cpu_ms: dict[tuple[str, int], float] = {}  # gunicorn workers' CPU time per request
    checks: list[str] = []
    server_log = ""
    # portal.wsgi only setdefault()s DJANGO_SETTINGS_MODULE, so the bench settings apply.
    with gunicorn(env, args.workers) as server:
        last = server.wait_until_up(Request("GET", "/bench/open"))
        if last is None or last[0] != 200:
            detail = "no answer" if last is None else f"HTTP {last[0]}: {last[1][:300].decode(errors='replace')}"
            server.fail(f"gunicorn did not answer /bench/open with 200 within {STARTUP_TIMEOUT:.0f} s ({detail})")
        checks = sanity_checks(server.port, creds)
        for scenario in scenarios(creds):
            seconds = args.vanilla_seconds if scenario.name == "vanilla" else args.seconds
            for concurrency in args.concurrency:
                run(server.port, scenario, concurrency, WARMUP_SECONDS, args.loadgen)
                cpu = server.cpu_seconds()
                result = run(server.port, scenario, concurrency, seconds, args.loadgen)
                cpu_ms[(scenario.name, concurrency)] = ratio((server.cpu_seconds() - cpu) * 1000, result.requests)
                rows.append((scenario.name, concurrency, result))
        server.stop()
        if any(r.errors for _, _, r in rows) or any("UNEXPECTED" in line for line in checks):
            server_log = server.tail()

    print(
        f"database={creds.vendor} cache={creds.cache_backend} debug={env['DEBUG']} workers={args.workers} "
        f"seconds={args.seconds:g} vanilla-seconds={args.vanilla_seconds:g} warm-up={WARMUP_SECONDS:g} "
        f"server=gunicorn {HOST}:{server.port} loadgen={args.loadgen}"
    )
    print(
        f"note: load generator and server share this machine's {os.cpu_count()} cores; "
        "compare the ratios, not the absolute numbers"
    )
    print(f"client scopes: {' '.join(creds.scopes)}; vanilla client secret hasher: {creds.vanilla_hasher}")
    print("sanity checks (one request each, before the load):")
    print("\n".join(checks))
    print()
    print_table(rows, cpu_ms)
    print_ratios(rows, args.concurrency, cpu_ms)
    if server_log:
        print(f"--- gunicorn output (tail) ---\n{server_log}")


if __name__ == "__main__":
    main()
