"""Signup abuse (issue 11 §3.10): submissions are limited per address and per email,
and a legal name + NPI is held only by a live application."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from audit.models import AuditEvent
from lib.ratelimit import TooManyAttempts
from lib.request_context import RequestMeta
from onboarding import services
from partners import services as partner_services
from partners.models import Partner
from tests.factories import PartnerFactory
from tests.onboarding.wizard import ACCOUNT, INTEGRATION, ORGANIZATION, complete, post_step


def test_submissions_from_one_address_are_limited(db, monkeypatch):
    monkeypatch.setattr(services, "SUBMITS_PER_IP", (2, 3600))
    for n in range(2):
        resp = complete(
            Client(),
            organization={"legal_name": f"Org {n}", "npi": ""},
            account={"email": f"owner{n}@example.org"},
        )
        assert resp.status_code == 302
    resp = complete(Client(), organization={"legal_name": "Org 3", "npi": ""}, account={"email": "x3@example.org"})
    assert resp.status_code == 429 and resp["Retry-After"] == "3600"
    assert "Too many applications" in resp.content.decode()
    assert Partner.objects.count() == 2 and get_user_model().objects.count() == 2  # nothing half-made


def test_submissions_for_one_email_are_limited_across_addresses(db, monkeypatch):
    monkeypatch.setattr(services, "SUBMITS_PER_EMAIL", (2, 3600))
    application = services.Application(
        organization={**ORGANIZATION, "partner_type": "payer"},
        integration={**INTEGRATION, "capabilities": ["velocity-rcm"], "handles_phi": False},  # refused each time
        account={**ACCOUNT, "password": ACCOUNT["password1"]},
        accepted=["mnda", "terms"],
    )
    for n in range(2):
        with pytest.raises(ValidationError, match="Not available"):
            services.submit_application(application=application, meta=RequestMeta(ip=f"203.0.113.{n}"))
    with pytest.raises(TooManyAttempts):
        services.submit_application(application=application, meta=RequestMeta(ip="198.51.100.1"))


def test_wizard_steps_are_limited_per_address(client, db, monkeypatch):
    monkeypatch.setattr(services, "STEPS_PER_IP", (3, 600))
    client.get("/signup/")
    statuses = [post_step(client, "organization", ORGANIZATION).status_code for _ in range(4)]
    assert statuses[-1] == 429 and 429 not in statuses[:3]


def test_a_rejected_squatter_does_not_block_the_real_organization(client, db, staff):
    squatter = PartnerFactory(legal_name="Gamma Health Plan", npi="1234567893", status=Partner.Status.PENDING)
    client.get("/signup/")
    held = post_step(client, "organization", ORGANIZATION).content.decode()
    assert "has already applied" in held
    partner_services.review_application(partner=squatter, decision="rejected", by=staff, message="Not them.")
    resp = complete(Client())
    assert resp.status_code == 302
    assert Partner.objects.filter(legal_name="Gamma Health Plan", status="pending").count() == 1


def test_staff_can_release_a_held_name(db, staff):
    holder = PartnerFactory(legal_name="Gamma Health Plan", npi="1234567893", status=Partner.Status.APPROVED)
    with pytest.raises(Exception, match="already applied"):
        PartnerFactory(legal_name="GAMMA health plan", npi="1234567893")
    partner_services.release_name(partner=holder, by=staff)
    PartnerFactory(legal_name="GAMMA health plan", npi="1234567893")
    assert AuditEvent.objects.filter(action="partner.name_released", partner=holder).exists()


def test_release_needs_a_reviewer(db, alice, acme):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        partner_services.release_name(partner=acme, by=alice)
