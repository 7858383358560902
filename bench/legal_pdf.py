"""How long legal PDFs take: cold render per document, and cached downloads over HTTP.

Usage: .venv/bin/python bench/legal_pdf.py [--requests 200]

Cold: each document's blank template and one executed copy rendered by WeasyPrint in
this process (the first render also pays WeasyPrint's import and font loading, shown
separately). Cached: a gunicorn server (2 workers) serves the cached PDFs; the figure
is the latency of complete downloads. Goal: cold <= 1.5 s, cached <= 20 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, int, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    resp = conn.getresponse()
    size = len(resp.read())
    conn.close()
    return resp.status, size, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    media = Path(tempfile.mkdtemp(prefix="bench-legal-"))
    os.environ.update({"PORTAL_MEDIA_ROOT": str(media), "LOG_LEVEL": "WARNING", "RATE_LIMITS_ENABLED": "0"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    for command in (["migrate", "--noinput"], ["createcachetable"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True, capture_output=True)

    import django

    django.setup()
    from legal import pdf
    from legal.models import Acceptance, LegalDocument

    print(f"{'document':<42} {'cold render ms':>15}")
    first = True
    for document in LegalDocument.objects.current().order_by("published_at", "pk"):
        start = time.perf_counter()
        pdf.cached(document)
        elapsed = (time.perf_counter() - start) * 1000
        note = "  (first render in process: imports WeasyPrint, loads fonts)" if first else ""
        first = False
        print(f"{document.title[:30] + ' (blank)':<42} {elapsed:>15.0f}{note}")
    acceptance = Acceptance.objects.select_related("document", "partner").order_by("pk").first()
    if acceptance is not None:
        start = time.perf_counter()
        pdf.cached(acceptance.document, acceptance)
        print(f"{acceptance.document.title[:30] + ' (executed)':<42} {(time.perf_counter() - start) * 1000:>15.0f}")

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--no-control-socket",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(port, "/healthz")[0] in (200, 503):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        path = "/legal/mnda/2026-03/download.pdf"
        for _ in range(10):
            get(port, path)
        latencies, sizes, errors = [], set(), 0
        for _ in range(args.requests):
            status, size, ms = get(port, path)
            errors += status != 200
            sizes.add(size)
            latencies.append(ms)
        q = statistics.quantiles(latencies, n=100)
        print(
            f"\ncached download {path}: {args.requests} requests, {sorted(sizes)} bytes, errors {errors}\n"
            f"  P50 {q[49]:.1f} ms  P95 {q[94]:.1f} ms  P99 {q[98]:.1f} ms  max {max(latencies):.1f} ms"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
