"""What an hour of an assistant costs the service: set by managers, read by the time
report's profitability (billing) and by nobody else."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from assistants.models import AssistantProfile
from concierge import errors
from concierge.models import User


@transaction.atomic
def assistant_cost_rate_set(
    *, actor: User, profile: AssistantProfile, cost_rate: Decimal | None
) -> AssistantProfile:
    """Record the assistant's hourly cost (None: not known). Managers only."""
    if not actor.is_manager:
        raise errors.Forbidden(
            errors.Code.PERMISSION_DENIED, _("Only managers set what an assistant costs.")
        )
    profile = AssistantProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    profile.cost_rate = cost_rate
    profile.full_clean(exclude=["user"])
    profile.save(update_fields=["cost_rate", "updated_at"])
    return profile
