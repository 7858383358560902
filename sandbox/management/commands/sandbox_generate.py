from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sandbox import lake
from sandbox.synthetic import DEFAULT_SEED, beneficiaries


class Command(BaseCommand):
    help = "Generate the sandbox's synthetic lake (deterministic) and load it, with the beneficiaries' sign-ins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=30, help="beneficiaries to generate (default 30)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
        parser.add_argument("--force", action="store_true", help="reload even when the lake holds the same data")

    def handle(self, *args: Any, **options: Any) -> None:
        patients = max(1, options["patients"])
        started = time.monotonic()
        loaded = lake.load(patients=patients, seed=options["seed"], force=options["force"])
        logins = lake.ensure_logins(beneficiaries(patients, seed=options["seed"]))
        seconds = time.monotonic() - started
        what = "already loaded" if loaded.skipped else f"loaded in {seconds:.1f} s"
        print(
            f"Sandbox lake: {loaded.patients} beneficiaries, {loaded.resources} resources ({what}); "
            f"{len(logins)} sign-ins BBUser00000.. (passwords PW00000!..).",
            file=sys.stderr,
        )
