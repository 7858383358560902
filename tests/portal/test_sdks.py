import re
from html import unescape

import pytest
from django.urls import reverse

from portal import sdks
from scopes import catalog as scopes

# The real published packages: a new entry has to be added here on purpose, after checking its registry.
KNOWN_PACKAGES = {
    ("PyPI", "fhirclient"),
    ("npm", "fhirclient"),
    ("Maven Central", "ca.uhn.hapi.fhir:hapi-fhir-client"),
    ("NuGet", "Hl7.Fhir.R4"),
    ("PyPI", "Authlib"),
    ("npm", "openid-client"),
    ("PyPI", "standardwebhooks"),
    ("npm", "standardwebhooks"),
}


def _page(client, **params) -> str:
    resp = client.get(reverse("sdks"), params)
    assert resp.status_code == 200
    return resp.content.decode()


def test_catalog_has_the_three_groups_and_only_known_packages():
    assert [g.title for g in sdks.GROUPS] == [
        "SMART on FHIR and FHIR clients",
        "OAuth 2.0 client libraries",
        "Webhook signature verification",
    ]
    assert {(s.registry, s.package) for s in sdks.SDKS} == KNOWN_PACKAGES
    assert len({s.anchor for s in sdks.SDKS}) == len(sdks.SDKS)


@pytest.mark.parametrize("sdk", sdks.SDKS, ids=lambda s: s.anchor)
def test_every_entry_is_complete_and_consistent(sdk):
    assert sdk.package.strip() and sdk.name.strip() and sdk.purpose.strip()
    assert sdk.language in sdks.LANGUAGES.values()
    assert sdk.repo_url.startswith("https://github.com/")
    assert sdk.docs_url.startswith("https://")
    assert sdk.package.split(":")[-1] in sdk.install
    if sdk.registry == "PyPI":
        assert sdk.install == f"pip install {sdk.package}"
        assert re.fullmatch(r"\d+\.\d+\.\d+", sdk.version)
    elif sdk.registry == "npm":
        assert sdk.install == f"npm install {sdk.package}"
        assert re.fullmatch(r"\d+\.\d+\.\d+", sdk.version)
    else:  # Maven Central and NuGet cannot be checked here: no guessed version.
        assert sdk.version == ""


def test_every_scope_code_exists_in_the_scope_catalog():
    used = {code for s in sdks.SDKS for code in s.scopes}
    assert used and used <= set(scopes.SCOPES_BY_CODE)
    assert "cms.sdk.read" in scopes.SCOPES_BY_CODE


def test_page_lists_every_sdk_with_its_install_command(client, db):
    html = _page(client)
    assert html.count('class="sdk"') == len(sdks.SDKS)
    assert "<h1>SDKs and client libraries</h1>" in html
    for sdk in sdks.SDKS:
        assert f'id="{sdk.anchor}"' in html
        block = re.search(rf'<pre class="code" id="{sdk.anchor}-install"><code>(.*?)</code></pre>', html, re.S)
        assert block and unescape(block.group(1)) == sdk.install
        assert f'data-copy-target="{sdk.anchor}-install" hidden>Copy</button>' in html
        assert f'href="{sdk.repo_url}"' in html and f'href="{sdk.docs_url}"' in html
    assert "<dd>4.4.0</dd>" in html  # fhirclient on PyPI
    assert html.count("see registry</span>") == 2  # HAPI FHIR client and Hl7.Fhir.R4


def test_scopes_link_to_the_scope_reference(client, db):
    html = _page(client)
    assert 'href="/scopes/?q=cms.fhir.r4.read"><code>cms.fhir.r4.read</code></a>' in html
    assert 'href="/scopes/?q=patient%2F%2A.read"><code>patient/*.read</code></a>' in html


def test_page_announces_the_json_endpoint_without_serving_it(client, db):
    html = _page(client)
    assert "<code>GET /cms-ecosystem/sdk-catalog</code>" in html
    assert "<code>cms.sdk.read</code>" in html
    assert client.get("/cms-ecosystem/sdk-catalog").status_code == 404


def test_language_filter(client, db):
    html = _page(client, language="python")
    python = [s for s in sdks.SDKS if s.language == "Python"]
    assert html.count('class="sdk"') == len(python) == 3
    assert "Hl7.Fhir.R4" not in html
    assert '<option value="python" selected>' in html
    html = _page(client, language="dotnet")
    assert html.count('class="sdk"') == 1 and "Hl7.Fhir.R4" in html
    assert "Webhook signature verification" not in html  # empty groups are left out


def test_unknown_language_is_ignored(client, db):
    for value in ("cobol", "<script>", ""):
        html = _page(client, language=value)
        assert html.count('class="sdk"') == len(sdks.SDKS)
        assert " selected>" not in html


def test_nav_and_footer_link_to_the_catalog(client, db):
    html = _page(client)
    assert '<a href="/sdks/" aria-current="page">SDKs</a>' in html
    assert html.index(">Scopes</a>") < html.index(">SDKs</a>") < html.index(">Status</a>")
    home = client.get(reverse("home")).content.decode()
    assert '<a href="/sdks/">SDKs</a>' in home and "Official SDKs" in home
