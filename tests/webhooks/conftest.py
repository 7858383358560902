from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver, serve
from webhooks import services


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve()


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOKS_RETRY_DELAYS = [1, 1, 1]
    settings.WEBHOOKS_SWEEP_GRACE = 0
    return settings


@pytest.fixture
def endpoint_for(acme):
    """endpoint_for(url, events=[...]) -> NewSecret for alice's partner (sandbox)."""
    owner = acme.memberships.get(role="owner").user

    def make(url, events=("partner.token.revoked", "webhook.test"), partner=acme, environment="sandbox", **kw):
        return services.create_endpoint(
            partner=partner,
            url=url,
            event_types=list(events),
            environment=environment,
            by=owner if partner == acme else partner.memberships.get(role="owner").user,
            **kw,
        )

    return make
