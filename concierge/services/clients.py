"""Client profiles: a client's details and the assistants who serve them first."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from concierge import audit, errors
from concierge.errors import Invalid
from concierge.models import (
    ClientProfile,
    User,
)
from concierge.services.locking import locked


def _assistant(user_or_none: User | None, field: str) -> User | None:
    if user_or_none is not None and not user_or_none.is_assistant:
        raise Invalid(
            errors.Code.NOT_AN_ASSISTANT,
            _("User %(id)s is not an assistant.") % {"id": user_or_none.pk},
            fields={field: [_("Must be an assistant.")]},
        )
    return user_or_none


@transaction.atomic
def client_profile_update(
    *, profile: ClientProfile, actor: User | None = None, **fields: Any
) -> ClientProfile:
    """A manager sets a client's primary and backup assistants."""
    profile = locked(profile)
    before = audit.snapshot(profile, CLIENT_ASSISTANT_FIELDS)
    for name in ("primary_assistant", "backup_assistant"):
        if name in fields:
            setattr(profile, name, _assistant(fields[name], name))
    if (
        profile.primary_assistant_id is not None
        and profile.primary_assistant_id == profile.backup_assistant_id
    ):
        raise Invalid(
            errors.Code.INVALID,
            _("The backup assistant must differ from the primary."),
            fields={"backup_assistant": [_("Must differ from the primary assistant.")]},
        )
    profile.save()
    changes = audit.changes_of(before, audit.snapshot(profile, CLIENT_ASSISTANT_FIELDS))
    if changes:
        audit.record(
            actor=actor,
            action=audit.Action.CLIENT_ASSISTANTS_CHANGED,
            target=profile.user,  # the client, by the id the API knows them by
            changes=changes,
            about=profile.user,
        )
    return profile


CLIENT_ASSISTANT_FIELDS = ("primary_assistant_id", "backup_assistant_id")
