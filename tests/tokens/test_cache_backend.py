import pytest
from django.core.cache import caches

from lib.cache import RedisCache


@pytest.mark.redis
def test_the_redis_cache_reuses_one_client_and_still_round_trips():
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("backend-check", {"scopes": ["cms.partner.read"]}, 30)
    assert cache.get("backend-check") == {"scopes": ["cms.partner.read"]}
    cache.delete_many(["backend-check"])
    assert cache.get("backend-check") is None
