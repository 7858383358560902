"""A URLconf with views that fail, to test the error handlers."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import handler404, handler500  # noqa: F401 - the handlers under test


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("deliberate failure")


urlpatterns = [path("boom/", boom), path("cms/boom", boom)]
