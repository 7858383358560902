"""Django's Redis cache backend, with one redis-py client per connection pool.

Django's RedisCacheClient builds a new ``redis.Redis`` for every cache call, and each
redis-py (8.x) constructor fills a ~170-entry response-callback table: measured here,
that is over half the CPU time of a cache read (redis/redis-py#3624), and bearer
authentication and the token endpoint read the cache on every request. A ``redis.Redis``
may be shared between threads (each command checks a connection out of the pool and
returns it), so one client per pool serves every call. Everything else, the pools and
their reconnecting after a fork included, is Django's and redis-py's.

Used by portal.settings whenever REDIS_URL is set.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # (private in the stubs)
        client = self._clients.get(id(pool))
        if client is None:  # two threads may both build one: harmless, the last one stays
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
