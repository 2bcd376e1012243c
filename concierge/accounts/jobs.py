"""Jobs of accounts (run through the outbox, `concierge.platform.outbox.enqueue`)."""

from django.conf import settings
from django.core.mail import EmailMessage

from concierge.jobs import _message_id
from concierge.platform.outbox import keyed_by_intent
from concierge.text import header_safe


@keyed_by_intent
def send_to_address(address, subject, body, *, intent=None):
    """E-mail an address that is not (or no longer) a person's current one: the old
    address after an e-mail change."""
    headers = {} if intent is None else {"Message-ID": _message_id("job", intent)}
    message = EmailMessage(
        header_safe(subject), body, settings.DEFAULT_FROM_EMAIL, [address], headers=headers
    )
    return message.send()
