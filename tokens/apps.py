from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Credentials and scopes"

    def ready(self) -> None:
        from tokens import (
            receivers,  # noqa: F401 - connects the receivers of partner decisions and cache changes
            schema,  # noqa: F401 - registers the OpenAPI bearer schemes
        )
