import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from audit.models import AuditEvent
from legal import services
from legal.models import Acceptance, LegalDocument
from partners.models import Membership
from tests.factories import UserFactory, add_member
from tests.legal.conftest import pdf_bytes, pdftotext

SIGN = {"signer_name": "Alice Anders", "signer_title": "Chief Executive Officer", "agree": "on"}


def test_owner_signs_from_the_dashboard(alice_client, acme, mnda):
    resp = alice_client.post(
        "/dashboard/legal/mnda/2026-03/sign/", SIGN, REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Firefox/140"
    )
    assert resp.status_code == 302
    assert resp["Location"] == "/dashboard/legal/"
    acceptance = Acceptance.objects.get(partner=acme, document=mnda)
    assert (acceptance.signer_name, acceptance.signer_title) == ("Alice Anders", "Chief Executive Officer")
    assert acceptance.document_sha256 == mnda.sha256
    assert (acceptance.ip, acceptance.user_agent) == ("198.51.100.7", "Firefox/140")
    assert acceptance.accepted_at.tzinfo is not None
    audit = AuditEvent.objects.get(action="legal.accepted")
    assert audit.partner == acme and audit.details["sha256"] == mnda.sha256


def test_signing_the_same_version_twice_is_idempotent(alice_client, acme, mnda):
    alice_client.post("/dashboard/legal/mnda/2026-03/sign/", SIGN)
    resp = alice_client.post("/dashboard/legal/mnda/2026-03/sign/", {**SIGN, "signer_name": "Somebody Else"})
    assert resp.status_code == 302
    assert Acceptance.objects.filter(partner=acme, document=mnda).count() == 1
    assert Acceptance.objects.get(partner=acme).signer_name == "Alice Anders"
    again = services.accept_document(
        partner=acme, document=mnda, signer=acme.memberships.get().user, signer_name="X Y", signer_title="Z"
    )
    assert again.signer_name == "Alice Anders"
    assert AuditEvent.objects.filter(action="legal.accepted").count() == 1


def test_empty_typed_name_is_a_form_error_and_nothing_is_recorded(alice_client, acme, mnda):
    resp = alice_client.post("/dashboard/legal/mnda/2026-03/sign/", {**SIGN, "signer_name": "   "})
    assert resp.status_code == 200
    assert "Type your full name to sign." in resp.content.decode()
    assert not Acceptance.objects.exists()


def test_agreeing_is_required(alice_client, acme, mnda):
    resp = alice_client.post("/dashboard/legal/mnda/2026-03/sign/", {k: v for k, v in SIGN.items() if k != "agree"})
    assert "Tick the box to confirm that you agree." in resp.content.decode()
    assert not Acceptance.objects.exists()


@pytest.mark.parametrize("role", [Membership.Role.DEVELOPER, Membership.Role.VIEWER])
def test_developers_and_viewers_cannot_sign(acme, mnda, role):
    user = UserFactory()
    add_member(acme, user, role)
    client = Client()
    client.force_login(user)
    assert client.post("/dashboard/legal/mnda/2026-03/sign/", SIGN).status_code == 403
    assert client.get("/dashboard/legal/mnda/2026-03/sign/").status_code == 403
    assert not Acceptance.objects.exists()
    with pytest.raises(PermissionDenied):
        services.accept_document(partner=acme, document=mnda, signer=user, signer_name="A B", signer_title="C")
    assert client.get("/dashboard/legal/").status_code == 200  # they can still read the status


def test_an_outsider_cannot_sign_for_another_partner(bob, acme, mnda):
    with pytest.raises(PermissionDenied):
        services.accept_document(partner=acme, document=mnda, signer=bob, signer_name="Bob", signer_title="CEO")


def test_patient_template_is_not_signable(alice_client, acme):
    assert alice_client.get("/dashboard/legal/patient-authorization/2026-03/sign/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, mnda):
    resp = client.get("/dashboard/legal/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")
    assert client.post("/dashboard/legal/mnda/2026-03/sign/", SIGN).status_code == 302
    assert not Acceptance.objects.exists()


def test_executed_pdf_shows_partner_signer_and_date(alice_client, acme, baa, tmp_path):
    alice_client.post("/dashboard/legal/baa/2026-03/sign/", SIGN)
    acceptance = Acceptance.objects.get(partner=acme, document=baa)
    resp = alice_client.get(f"/dashboard/legal/executed/{acceptance.public_id}.pdf")
    assert resp.status_code == 200
    assert resp["Content-Disposition"] == f'attachment; filename="cms_hipaa_baa_v2026_03_executed_{acme.gpid}.pdf"'
    pdf_text = pdftotext(pdf_bytes(resp), tmp_path)
    assert "Acme Health Plan" in pdf_text and acme.gpid in pdf_text
    assert "Alice Anders" in pdf_text and "Chief Executive Officer" in pdf_text
    assert acceptance.accepted_at.strftime("%B %-d, %Y") in pdf_text
    assert baa.sha256 in pdf_text.replace("\n", "").replace(" ", "")
    assert "Counter-signature pending." in pdf_text


def test_bob_cannot_download_alices_executed_pdf(alice_client, bob_client, acme, mnda):
    alice_client.post("/dashboard/legal/mnda/2026-03/sign/", SIGN)
    acceptance = Acceptance.objects.get(partner=acme)
    assert bob_client.get(f"/dashboard/legal/executed/{acceptance.public_id}.pdf").status_code == 404
    assert Client().get(f"/dashboard/legal/executed/{acceptance.public_id}.pdf").status_code == 302
    assert "Alice Anders" not in bob_client.get("/dashboard/legal/").content.decode()


def test_staff_countersign_in_admin(alice_client, staff_client, staff, acme, mnda, tmp_path):
    alice_client.post("/dashboard/legal/mnda/2026-03/sign/", SIGN)
    acceptance = Acceptance.objects.get(partner=acme)
    resp = staff_client.post(
        "/admin/legal/acceptance/", {"action": "countersign_selected", "_selected_action": [acceptance.pk]}
    )
    assert resp.status_code == 302
    acceptance.refresh_from_db()
    assert acceptance.countersigned_by == staff and acceptance.countersigned_at is not None
    assert AuditEvent.objects.filter(action="legal.countersigned", actor=staff).exists()
    pdf_text = pdftotext(pdf_bytes(alice_client.get(f"/dashboard/legal/executed/{acceptance.public_id}.pdf")), tmp_path)
    assert "staff@portal.localhost" in pdf_text
    assert "Counter-signature pending." not in pdf_text


def test_partners_cannot_countersign(acme, mnda):
    alice = acme.memberships.get().user
    acceptance = services.accept_document(
        partner=acme, document=mnda, signer=alice, signer_name="A A", signer_title="CEO"
    )
    with pytest.raises(PermissionDenied):
        services.countersign(acceptance=acceptance, by=alice)


def test_admin_shows_documents_read_only(staff_client, mnda):
    page = staff_client.get(f"/admin/legal/legaldocument/{mnda.pk}/change/").content.decode()
    assert "Mutual Non-Disclosure Agreement" in page
    assert '<textarea name="body"' not in page
    assert staff_client.post(f"/admin/legal/legaldocument/{mnda.pk}/delete/").status_code == 403


def test_admin_filters_acceptances(staff_client, alice_client, acme, mnda):
    alice_client.post("/dashboard/legal/mnda/2026-03/sign/", SIGN)
    page = staff_client.get("/admin/legal/acceptance/", {"countersigned": "no", "document__kind": "mnda"})
    assert "Alice Anders" in page.content.decode()
    page = staff_client.get("/admin/legal/acceptance/", {"countersigned": "yes"})
    assert "Alice Anders" not in page.content.decode()


def test_new_version_requires_reacceptance_for_production_only(alice_client, acme, mnda, publish_new_mnda):
    acme.handles_phi = False
    acme.save()
    alice = acme.memberships.get().user
    for kind in ("mnda", "terms", "data_use_consent"):
        doc = LegalDocument.objects.current().get(kind=kind)
        services.accept_document(partner=acme, document=doc, signer=alice, signer_name="A A", signer_title="CEO")
    services.ensure_production_agreements(acme)  # nothing owed

    new = publish_new_mnda()
    with pytest.raises(services.AgreementsOutstanding) as owed:
        services.ensure_production_agreements(acme)
    assert owed.value.code == "legal_acceptance_required"
    assert owed.value.documents == [new]
    assert "Mutual Non-Disclosure Agreement v2026-09" in str(owed.value)
    assert "Sandbox access is not affected" in str(owed.value)

    html = alice_client.get("/dashboard/").content.decode()
    assert "A new version of the <strong>Mutual Non-Disclosure Agreement</strong> (v2026-09) is in force." in html
    assert "<strong>Mutual Non-Disclosure Agreement</strong> v2026-09." in html
    assert alice_client.get("/dashboard/legal/mnda/2026-03/sign/").status_code == 404  # only the current version
    alice_client.post("/dashboard/legal/mnda/2026-09/sign/", SIGN)
    services.ensure_production_agreements(acme)
    assert "is in force" not in alice_client.get("/dashboard/").content.decode()
    assert Acceptance.objects.filter(partner=acme, document__kind="mnda").count() == 2  # history kept


def test_baa_is_owed_only_when_phi_is_handled(acme, baa):
    acme.handles_phi = False
    assert baa not in services.outstanding_documents(acme)
    acme.handles_phi = True
    assert baa in services.outstanding_documents(acme)


def test_signing_queues_the_pdf_render_after_commit(acme, mnda, django_capture_on_commit_callbacks, monkeypatch):
    from legal import tasks

    queued = []
    monkeypatch.setattr(tasks.render_acceptance_pdf, "delay", lambda pk: queued.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        acceptance = services.accept_document(
            partner=acme, document=mnda, signer=acme.memberships.get().user, signer_name="A A", signer_title="CEO"
        )
    assert queued == [acceptance.pk]


def test_render_task_fills_the_cache(acme, mnda, settings):
    from legal import pdf, tasks

    acceptance = services.accept_document(
        partner=acme, document=mnda, signer=acme.memberships.get().user, signer_name="A A", signer_title="CEO"
    )
    tasks.render_acceptance_pdf.apply(args=[acceptance.pk]).get()
    assert (settings.MEDIA_ROOT / pdf.cache_key(mnda, acceptance)).exists()


def test_api_error_for_missing_agreements_names_code_and_documents(acme, mnda):
    from rest_framework.permissions import AllowAny
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    class ProductionOnly(APIView):
        permission_classes = (AllowAny,)

        def post(self, request):
            services.ensure_production_agreements(acme)

    resp = ProductionOnly.as_view()(APIRequestFactory().post("/cms/tokens", {}, format="json"))
    assert resp.status_code == 403
    assert resp.data["code"] == "legal_acceptance_required"
    assert "Sandbox access is not affected" in resp.data["detail"]
    assert {
        "kind": "mnda",
        "version": "2026-03",
        "title": "Mutual Non-Disclosure Agreement",
        "url": "/legal/mnda/2026-03/",
    } in resp.data["documents"]
