from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Credentials and scopes"

    def ready(self) -> None:
        from django.core.cache import cache
        from django.db.models.signals import post_save

        from partners.models import Partner
        from tokens import schema  # noqa: F401 - registers the OpenAPI bearer scheme
        from tokens.auth import allowance_cache_key

        def forget_allowance(sender: type, instance: Partner, **kwargs: object) -> None:
            cache.delete(allowance_cache_key(instance.pk))

        post_save.connect(forget_allowance, sender=Partner, weak=False, dispatch_uid="tokens-forget-allowance")
