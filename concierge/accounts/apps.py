from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Accounts people can trust: hashed API tokens and browser sessions they can list and
    end, e-mail verification, password reset, a TOTP second factor with recovery codes,
    recent re-authentication and one throttle for every door that takes a secret."""

    name = "concierge.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    manager_permissions = [
        *("view_accountsession", "delete_accountsession"),  # end someone's session
    ]

    def ready(self):
        from concierge.accounts import signals  # noqa: F401
