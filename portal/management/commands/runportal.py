"""Run web (gunicorn), Celery worker and Celery beat together, for `make run`.

Their output is interleaved line by line with a prefix; Ctrl-C (or SIGTERM) stops all
three, and if one of them exits the others are stopped too.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Start the portal: gunicorn on --bind, a Celery worker and Celery beat, with prefixed logs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes.")

    def handle(self, *args: Any, **options: Any) -> None:
        bindir = os.path.dirname(sys.executable)
        beat_schedule = settings.CELERY_BEAT_SCHEDULE_FILENAME
        commands = {
            "web": [
                os.path.join(bindir, "gunicorn"),
                "portal.wsgi",
                "--bind",
                options["bind"],
                "--workers",
                str(options["web_workers"]),
                "--access-logfile",
                "-",
                "--forwarded-allow-ips",
                "127.0.0.1",
                # gunicorn 27's control socket lives at one path per user; several servers would clash.
                "--no-control-socket",
            ],
            "worker": [
                os.path.join(bindir, "celery"),
                "-A",
                "portal",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(options["concurrency"]),
            ],
            "beat": [
                os.path.join(bindir, "celery"),
                "-A",
                "portal",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                beat_schedule,
            ],
        }
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        procs: dict[str, subprocess.Popen[bytes]] = {}
        selector = selectors.DefaultSelector()
        for name, argv in commands.items():
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
            procs[name] = proc
            if proc.stdout is not None:
                selector.register(proc.stdout, selectors.EVENT_READ, name)

        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        width = max(len(n) for n in commands)
        self.stderr.write(f"Portal running at http://{options['bind']}/  (Ctrl-C stops web, worker and beat)")
        try:
            while not stopping and all(p.poll() is None for p in procs.values()):
                for key, _ in selector.select(timeout=0.5):
                    stream: IO[bytes] = key.fileobj  # type: ignore[assignment]
                    line = stream.readline()
                    if line:
                        sys.stdout.write(f"{key.data:<{width}} | {line.decode(errors='replace')}")
                        sys.stdout.flush()
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 10
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            exited = {n: p.returncode for n, p in procs.items()}
            self.stderr.write(f"Stopped: {exited}")
