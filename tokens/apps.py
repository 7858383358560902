from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Credentials and scopes"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from partners.models import Partner
        from tokens import schema  # noqa: F401 - registers the OpenAPI bearer scheme
        from tokens.auth import forget_client, forget_partner, forget_token
        from tokens.models import ApiToken, OAuthClient

        # Cached credential rows (tokens.auth) go as soon as what they were read from changes.
        def partner_saved(sender: type, instance: Partner, **kwargs: object) -> None:
            forget_partner(instance.pk)

        def client_changed(sender: type, instance: OAuthClient, **kwargs: object) -> None:
            forget_client(instance.client_id)  # disabled, rotated, updated or deleted

        def token_deleted(sender: type, instance: ApiToken, **kwargs: object) -> None:
            forget_token(instance.secret_hash)  # revocation forgets it itself (tokens.services)

        post_save.connect(partner_saved, sender=Partner, weak=False, dispatch_uid="tokens-forget-partner")
        post_save.connect(client_changed, sender=OAuthClient, weak=False, dispatch_uid="tokens-forget-client")
        post_delete.connect(client_changed, sender=OAuthClient, weak=False, dispatch_uid="tokens-forget-client-deleted")
        post_delete.connect(token_deleted, sender=ApiToken, weak=False, dispatch_uid="tokens-forget-token-deleted")
