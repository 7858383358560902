from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Credentials and scopes"

    def ready(self) -> None:
        from tokens import schema  # noqa: F401 - registers the OpenAPI bearer scheme
