from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from legal import services
from legal.loader import TamperedDocumentFile


class Command(BaseCommand):
    help = "Publish legal document versions listed in legal/catalog.py that are not in the database yet."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = services.publish_documents()
        except TamperedDocumentFile as exc:
            raise CommandError(str(exc)) from exc
        for document in created:
            self.stdout.write(f"Published {document} ({document.section_count} sections, {document.sha256[:12]}…)")
        if not created:
            self.stdout.write("All catalog versions are already published.")
