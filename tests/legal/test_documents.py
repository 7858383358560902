import re
from dataclasses import replace

import pytest

from legal import loader, services, text
from legal.catalog import SPECS
from legal.models import DocumentIntegrityError, ImmutableDocumentError, LegalDocument
from tests.legal.conftest import pdf_bytes, pdftotext


def test_documents_are_published_with_their_facts(db):
    current = {d.kind: d for d in LegalDocument.objects.current()}
    assert set(current) == {"mnda", "baa", "terms", "data_use_consent", "patient_authorization"}
    mnda, baa = current["mnda"], current["baa"]
    assert (mnda.version, mnda.file_name, mnda.section_count) == ("2026-03", "cms_mnda_v2026_03.txt", 10)
    assert (mnda.term, mnda.governing_law) == ("2 years + 3yr survival", "Delaware")
    assert (baa.file_name, baa.section_count, baa.term) == (
        "cms_hipaa_baa_v2026_03.txt",
        8,
        "Until PHI returned/destroyed",
    )
    assert baa.governing_law == "45 CFR 164"
    assert len(mnda.sha256) == 64


def test_mnda_text_states_term_survival_and_law(mnda):
    body = mnda.body
    assert "two (2) years" in body and "three (3) years" in body and "Delaware" in body
    headings = [s.heading for s in text.parse(body).sections]
    assert len(headings) == 10
    assert headings[0] == "Definitions"


def test_baa_follows_164_504e(baa):
    parsed = text.parse(baa.body)
    assert [s.number for s in parsed.sections] == list(range(1, 9))
    assert "45 CFR Part 164" in baa.body
    for citation in ("164.308", "164.310", "164.312", "164.316", "164.410", "164.524", "164.526", "164.528"):
        assert citation in baa.body, citation
    assert "remains in\nforce until all PHI is returned to the Program or destroyed" in baa.body


def test_published_text_cannot_change(mnda):
    mnda.body += "\nA sneaky extra clause."
    with pytest.raises(ImmutableDocumentError):
        mnda.save()


def test_publishing_is_idempotent_and_detects_an_edited_file(db, tmp_path):
    assert services.publish_documents() == []
    spec = next(s for s in SPECS if s.kind == "mnda")
    edited = tmp_path / spec.file_name
    edited.write_text(spec.path.read_text().replace("Delaware", "Nevada"))
    tampered = replace(spec, directory=tmp_path)
    with pytest.raises(loader.TamperedDocumentFile, match=r"cms_mnda_v2026_03\.txt differs"):
        services.publish_documents(specs=[tampered])


def test_new_version_becomes_current_and_the_old_one_stays_unchanged(mnda, publish_new_mnda):
    old_hash = mnda.sha256
    new = publish_new_mnda()
    mnda.refresh_from_db()
    assert new.is_current and not mnda.is_current
    assert mnda.sha256 == old_hash and "Version 2026-03" in mnda.body
    assert LegalDocument.objects.current().filter(kind="mnda").count() == 1


def test_public_index_lists_current_templates(client, db):
    html = client.get("/legal/").content.decode()
    assert "Mutual Non-Disclosure Agreement" in html and "HIPAA Business Associate Agreement" in html
    assert "<code>cms_mnda_v2026_03.txt</code>" in html
    assert "2 years + 3yr survival" in html and "Until PHI returned/destroyed" in html
    assert "<dd>Delaware</dd>" in html and "<dd>45 CFR 164</dd>" in html


def test_document_reads_in_html_with_numbered_sections(client, mnda):
    html = client.get("/legal/mnda/2026-03/").content.decode()
    assert "<h1>Mutual Non-Disclosure Agreement</h1>" in html
    assert len(re.findall(r'<h2 id="section-\d+">', html)) == 10
    assert '<h2 id="section-10">10. General Provisions</h2>' in html


def test_txt_download_keeps_the_seed_file_name(client, mnda):
    resp = client.get("/legal/mnda/2026-03/download.txt")
    assert resp.status_code == 200
    assert resp["Content-Disposition"] == 'attachment; filename="cms_mnda_v2026_03.txt"'
    assert resp.content.decode() == mnda.body


def test_unknown_version_or_kind_is_404(client, db):
    assert client.get("/legal/mnda/1999-01/").status_code == 404
    assert client.get("/legal/mnda/1999-01/download.pdf").status_code == 404
    assert client.get("/legal/nda/2026-03/").status_code == 404


def test_blank_mnda_pdf_has_ten_sections_delaware_and_the_term(client, mnda, tmp_path):
    resp = client.get("/legal/mnda/2026-03/download.pdf")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"] == 'attachment; filename="cms_mnda_v2026_03.pdf"'
    pdf_text = pdftotext(pdf_bytes(resp), tmp_path)
    headings = re.findall(r"^\s*(\d+)\. [A-Z]", pdf_text, flags=re.M)
    assert headings == [str(n) for n in range(1, 11)]
    assert "Delaware" in pdf_text
    assert "two (2) years" in pdf_text and "three (3) years" in pdf_text
    assert "Page 1 of" in pdf_text


def test_baa_pdf_has_eight_sections_and_45_cfr(client, baa, tmp_path):
    pdf_text = pdftotext(pdf_bytes(client.get("/legal/baa/2026-03/download.pdf")), tmp_path)
    assert re.findall(r"^\s*(\d+)\. [A-Z]", pdf_text, flags=re.M) == [str(n) for n in range(1, 9)]
    assert "45 CFR" in pdf_text


def test_pdf_is_rendered_once_then_served_from_the_cache(client, mnda, settings):
    from legal import pdf

    client.get("/legal/mnda/2026-03/download.pdf")
    cached = settings.MEDIA_ROOT / pdf.cache_key(mnda)
    assert cached.exists()
    cached.write_bytes(b"%PDF-1.7 cached marker")
    assert pdf_bytes(client.get("/legal/mnda/2026-03/download.pdf")) == b"%PDF-1.7 cached marker"


def test_tampered_body_is_refused_and_logged(client, mnda, caplog):
    LegalDocument.objects.filter(pk=mnda.pk).update(body=mnda.body.replace("Delaware", "Nevada"))
    for path in ("/legal/mnda/2026-03/", "/legal/mnda/2026-03/download.txt", "/legal/mnda/2026-03/download.pdf"):
        resp = client.get(path)
        assert resp.status_code == 503, path
        assert "failed its integrity check" in resp.content.decode()
    assert any("integrity check" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    mnda.refresh_from_db()
    with pytest.raises(DocumentIntegrityError):
        mnda.verified_body()


def test_a_rendering_failure_is_a_clear_page(client, mnda, monkeypatch):
    from legal import pdf

    def broken(*args, **kwargs):
        raise pdf.PdfRenderError("fonts missing")

    monkeypatch.setattr(pdf, "render", broken)
    resp = client.get("/legal/mnda/2026-03/download.pdf")
    assert resp.status_code == 503
    assert "We could not produce the PDF just now" in resp.content.decode()
