import threading

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from partners import services
from partners.models import Partner
from tests.factories import PartnerFactory, UserFactory


def test_gpids_are_sequential_and_formatted(db):
    first, second = PartnerFactory(), PartnerFactory()
    assert first.gpid == "CMS-00000001"
    assert second.gpid == "CMS-00000002"


def test_a_rolled_back_signup_gives_its_number_back(db):
    PartnerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        PartnerFactory()
        raise RuntimeError("signup failed after the partner row")
    assert PartnerFactory().gpid == "CMS-00000002"


@pytest.mark.django_db(transaction=True)
def test_allocation_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the partner-creating transaction"):
        services.allocate_gpid()


def test_creating_a_partner_makes_the_owner_and_audits(alice):
    partner = services.create_partner(legal_name="Gamma Clinic", partner_type=Partner.Type.PROVIDER, owner=alice)
    assert partner.memberships.get().user == alice
    assert partner.memberships.get().role == "owner"
    audit = AuditEvent.objects.get(action="partner.created")
    assert audit.partner == partner and audit.actor == alice


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_never_share_or_skip_a_gpid():
    owners = [UserFactory() for _ in range(8)]
    gpids = []
    errors = []

    def signup(owner):
        try:
            gpids.append(PartnerFactory(owner=owner).gpid)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=signup, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(gpids) == [f"CMS-{n:08d}" for n in range(1, 9)]
