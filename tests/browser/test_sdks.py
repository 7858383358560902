"""The SDK catalog in a real Chromium: content, copy buttons, filter, layout."""

import pytest

from portal import sdks
from tests.browser.conftest import assert_accessible, screenshot


@pytest.mark.django_db(transaction=True)
def test_sdk_catalog_lists_libraries_and_filters(page):
    page.goto("/sdks/")
    assert page.locator("h1").inner_text() == "SDKs and client libraries"
    assert page.locator("article.sdk").count() == len(sdks.SDKS)
    assert page.get_by_role("link", name="SDKs", exact=True).first.get_attribute("aria-current") == "page"
    # portal.js reveals one Copy button per install command.
    copy_buttons = page.get_by_role("button", name="Copy")
    assert copy_buttons.count() == len(sdks.SDKS)
    assert all(copy_buttons.nth(i).is_visible() for i in range(copy_buttons.count()))
    assert page.locator("pre.code", has_text="pip install fhirclient").is_visible()
    assert_accessible(page)
    screenshot(page, "sdks-desktop")

    page.get_by_label("Language").select_option("javascript")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/sdks/?language=javascript")
    assert page.locator("article.sdk").count() == 3
    assert page.locator("article.sdk .badge--lang").all_inner_texts() == ["JavaScript"] * 3
    assert_accessible(page)

    page.goto("/sdks/?language=nope")
    assert page.locator("article.sdk").count() == len(sdks.SDKS)


@pytest.mark.django_db(transaction=True)
def test_sdk_catalog_fits_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/sdks/")
    assert page.locator("article.sdk").count() == len(sdks.SDKS)
    assert_accessible(page)
    screenshot(page, "sdks-mobile")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
