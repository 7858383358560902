from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal import content


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"portal_name": content.NAME}
