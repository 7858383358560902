from __future__ import annotations

import json
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import demo


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent). --json prints the logins as one JSON object."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the demo logins as JSON on stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not settings.DEBUG:
            raise CommandError("seed_demo creates known passwords and refuses to run with DJANGO_ENV=production.")
        result = demo.seed()
        data = result.as_json()
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        print(
            f"Demo data ready: partner {result.partner.legal_name} {result.partner.gpid}\n"
            f"  staff   {data['staff']['email']} / {data['staff']['password']}  (admin: {settings.SITE_URL}/admin/)\n"
            f"  partner {data['partner']['email']} / {data['partner']['password']}\n"
            "  review queue: nora@northwind-apps.example (pending) and rex@datamarket.example (rejected),"
            " same password as the partner",
            file=sys.stderr,
        )
