import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from partners import tasks, team
from partners.models import Invitation, Membership
from tests.factories import UserFactory, add_member


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def invite(client, email="dev@acme-health.example", role="developer"):
    return client.post("/dashboard/team/", {"email": email, "role": role})


def emailed_link(invitation):
    tasks.send_invitation.apply(args=[invitation.pk])
    body = mail.outbox[-1].body
    return re.search(r"http://127\.0\.0\.1:8000(/invitations/\S+/)", body).group(1)


def test_owner_invites_and_a_new_user_joins_through_the_link(alice_client, acme, client):
    resp = invite(alice_client)
    assert resp.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.partner) == ("dev@acme-health.example", "developer", acme)
    link = emailed_link(invitation)
    assert mail.outbox[-1].to == ["dev@acme-health.example"]
    page = client.get(link)
    assert "Create your account for" in page.content.decode()
    resp = client.post(
        link, {"full_name": "Dana Dev", "password1": "a-long-unusual-pass-77", "password2": "a-long-unusual-pass-77"}
    )
    assert resp.status_code == 302 and resp["Location"] == "/dashboard/"
    member = acme.memberships.get(user__email="dev@acme-health.example")
    assert member.role == "developer"
    assert "<h1>Acme Health Plan</h1>" in client.get("/dashboard/").content.decode()
    assert AuditEvent.objects.filter(action="team.joined", partner=acme).exists()
    assert client.get(link).status_code == 410  # used once


def test_an_existing_user_accepts_when_signed_in_with_the_invited_address(alice_client, acme, bob, beta):
    invite(alice_client, email=bob.email, role="viewer")
    link = emailed_link(Invitation.objects.get())
    anonymous = Client().get(link).content.decode()
    assert "Sign in as bob@beta-labs.example to accept" in anonymous
    bob_client = client_for(bob)
    resp = bob_client.post(link)
    assert resp.status_code == 302
    assert acme.memberships.get(user=bob).role == "viewer"


def test_the_wrong_account_cannot_use_an_invitation(alice_client, acme, bob, beta):
    invite(alice_client, email="someone.else@example.org")
    link = emailed_link(Invitation.objects.get())
    resp = client_for(bob).post(link)
    assert resp.status_code == 403
    assert "This invitation is for someone.else@example.org" in resp.content.decode()
    assert not acme.memberships.filter(user=bob).exists()


def test_expired_withdrawn_and_tampered_links_are_refused(alice_client, acme):
    invite(alice_client)
    invitation = Invitation.objects.get()
    link = emailed_link(invitation)
    assert Client().get(link[:-3] + "xx/").status_code == 410
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    resp = Client().get(link)
    assert resp.status_code == 410 and "This invitation has expired" in resp.content.decode()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(days=1))
    alice_client.post(f"/dashboard/team/invitations/{invitation.pk}/revoke/")
    assert "This invitation was withdrawn." in Client().get(link).content.decode()


def test_reinviting_replaces_the_pending_invitation(alice_client, acme):
    invite(alice_client)
    invite(alice_client, role="admin")
    assert Invitation.objects.pending().get().role == "admin"


def test_inviting_an_existing_member_is_a_field_error(alice_client, acme):
    resp = invite(alice_client, email="ALICE@acme-health.example")
    assert "alice@acme-health.example is already a member of Acme Health Plan." in resp.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_developers_and_viewers_cannot_invite_or_remove(acme, role):
    user = UserFactory()
    add_member(acme, user, role)
    client = client_for(user)
    assert client.get("/dashboard/team/").status_code == 200
    assert invite(client).status_code == 403
    owner = acme.memberships.get(role="owner")
    assert client.post(f"/dashboard/team/{owner.pk}/remove/").status_code == 403
    assert not Invitation.objects.exists()


def test_only_owners_make_owners(acme):
    admin = UserFactory()
    add_member(acme, admin, Membership.Role.ADMIN)
    resp = invite(client_for(admin), role="owner")
    assert "Only an owner can make someone an owner." in resp.content.decode()
    assert not Invitation.objects.exists()


def test_the_last_owner_cannot_leave_or_be_demoted(alice_client, alice, acme):
    owner = acme.memberships.get(user=alice)
    resp = alice_client.post(f"/dashboard/team/{owner.pk}/remove/", follow=True)
    assert "The last owner cannot leave" in resp.content.decode()
    with pytest.raises(Exception, match="at least one owner"):
        team.change_role(membership=owner, role="admin", by=alice)
    assert acme.memberships.filter(user=alice, role="owner").exists()


def test_owner_changes_a_role_and_removes_a_member(alice_client, acme):
    dev = UserFactory()
    member = add_member(acme, dev, Membership.Role.DEVELOPER)
    alice_client.post(f"/dashboard/team/{member.pk}/role/", {"role": "admin"})
    member.refresh_from_db()
    assert member.role == "admin"
    assert alice_client.get(f"/dashboard/team/{member.pk}/remove/").status_code == 200
    alice_client.post(f"/dashboard/team/{member.pk}/remove/")
    assert not acme.memberships.filter(user=dev).exists()
    assert AuditEvent.objects.filter(action="team.removed", partner=acme).exists()
    assert client_for(dev).get("/dashboard/team/")["Location"] == "/dashboard/"


def test_a_member_can_leave(acme):
    dev = UserFactory()
    member = add_member(acme, dev, Membership.Role.VIEWER)
    client_for(dev).post(f"/dashboard/team/{member.pk}/remove/")
    assert not acme.memberships.filter(user=dev).exists()


def test_bob_cannot_touch_alices_team(bob_client, acme, beta):
    owner = acme.memberships.get(role="owner")
    assert bob_client.post(f"/dashboard/team/{owner.pk}/remove/").status_code == 404
    assert bob_client.post(f"/dashboard/team/{owner.pk}/role/", {"role": "viewer"}).status_code == 404
    invitation = team.invite_member(partner=acme, email="x@example.org", role="viewer", by=owner.user)
    assert bob_client.post(f"/dashboard/team/invitations/{invitation.pk}/revoke/").status_code == 404
    assert "Acme Health Plan" not in bob_client.get("/dashboard/team/").content.decode()
    owner.refresh_from_db()
    assert owner.role == "owner"


# The permission matrix, enforced on every page built so far.
MATRIX = {
    # (method, path): roles allowed
    ("GET", "/dashboard/team/"): {"owner", "admin", "developer", "viewer"},
    ("POST", "/dashboard/team/"): {"owner", "admin"},
    ("GET", "/dashboard/legal/"): {"owner", "admin", "developer", "viewer"},
    ("GET", "/dashboard/legal/mnda/2026-03/sign/"): {"owner", "admin"},
    ("GET", "/dashboard/application/"): {"owner", "admin", "developer", "viewer"},
}


@pytest.mark.parametrize("role", ["owner", "admin", "developer", "viewer"])
def test_permission_matrix(acme, role):
    user = UserFactory()
    add_member(acme, user, role)
    client = client_for(user)
    for (method, path), allowed in MATRIX.items():
        data = {"email": f"new-{role}@example.org", "role": "viewer"} if method == "POST" else None
        resp = client.post(path, data) if method == "POST" else client.get(path)
        expected_ok = role in allowed
        assert (resp.status_code in (200, 302)) == expected_ok, (role, method, path, resp.status_code)
        if not expected_ok:
            assert resp.status_code == 403


def test_invitations_die_with_the_inviters_authority(acme):
    admin = UserFactory()
    membership = add_member(acme, admin, Membership.Role.ADMIN)
    invitation = team.invite_member(partner=acme, email="friend@evil.example", role="admin", by=admin)
    owner = acme.memberships.get(role="owner").user
    team.remove_member(membership=membership, by=owner)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    with pytest.raises(Exception, match="withdrawn"):
        team.invitation_from_token(invitation.link_token)
