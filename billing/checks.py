"""System-check hygiene for dj-stripe.

dj-stripe 2.11 warns that `DJSTRIPE_WEBHOOK_EVENT_CALLBACK` is deprecated on every command
(migrate, runserver, qcluster...), with a six-line hint and no check id, so
`SILENCED_SYSTEM_CHECKS` cannot name it. We keep the callback on purpose (see the setting in
`concierge/settings.py`), so that one warning, recognised by its exact message, is dropped;
any other message from the same check — or a new warning — still shows.
"""

from django.core import checks

DEPRECATED_CALLBACK_MESSAGE = (
    "DJSTRIPE_WEBHOOK_EVENT_CALLBACK is deprecated. See release notes for details."
)


def is_known_deprecation(message: checks.CheckMessage) -> bool:
    return (
        message.level == checks.WARNING
        and message.id is None
        and message.msg == DEPRECATED_CALLBACK_MESSAGE
    )


def silence_known_deprecation() -> None:
    """Wrap dj-stripe's callback check so that it no longer reports the known deprecation."""
    from djstripe import checks as djstripe_checks

    original = djstripe_checks.check_webhook_event_callback_accepts_api_key
    registry = checks.registry.registry
    if original not in registry.registered_checks:
        return  # dj-stripe changed: nothing to filter, its messages show unchanged

    def check_webhook_event_callback(app_configs=None, **kwargs):
        return [
            m for m in original(app_configs=app_configs, **kwargs) if not is_known_deprecation(m)
        ]

    registry.registered_checks.discard(original)
    registry.register(check_webhook_event_callback, *original.tags)
