"""factory_boy factories. Partners are made through the service, as in production."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from partners import services as partner_services
from partners.models import Membership, Partner

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")

    @factory.post_generation
    def password(self: Any, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class PartnerFactory(factory.Factory):
    """Builds a partner with an owner via ``partners.services.create_partner``."""

    class Meta:
        model = Partner

    legal_name = factory.Sequence(lambda n: f"Partner Organization {n}")
    partner_type = Partner.Type.PAYER
    status = Partner.Status.APPROVED
    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class: type[Partner], *args: Any, **kwargs: Any) -> Partner:
        return partner_services.create_partner(**kwargs)


def add_member(partner: Partner, user: Any, role: str) -> Membership:
    return Membership.objects.create(partner=partner, user=user, role=role)
