"""A Playwright page on Debian's Chromium against pytest-django's live server.

A test fails on any console error, uncaught page error, or request to a host other
than the live server (pages must not call out: no CDNs, no trackers).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import CHROMIUM

ARTIFACTS = Path(__file__).parent / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM}")  # REQUIRE_BROWSER turns this into a failure in setup
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in its own thread, and ours (fixtures) are plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    problems: list[str] = []
    own_host = urlsplit(live_server.url).netloc
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})

    def guard(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc != own_host:
            problems.append(f"request to another host: {url}")
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    yield page
    context.close()
    if problems:
        pytest.fail("Browser problems:\n" + "\n".join(problems))


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


ACCESSIBILITY_PROBE = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('html has no lang');
  const h1s = document.querySelectorAll('h1').length;
  if (h1s !== 1) problems.push(`expected one h1, found ${h1s}`);
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || el.closest('[hidden]')) continue;
    const labelled = (el.labels && el.labels.length)
      || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
  }
  return problems;
}"""


def assert_accessible(page: Any) -> None:
    problems = page.evaluate(ACCESSIBILITY_PROBE)
    assert problems == [], problems


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
