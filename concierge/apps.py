from django.apps import AppConfig


class ConciergeConfig(AppConfig):
    name = "concierge"
    verbose_name = "Concierge"

    def ready(self):
        from django.core import checks

        from concierge.crypto import check_keys

        checks.register(check_keys)

        from concierge.web import panels

        panels.register()
