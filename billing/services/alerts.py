"""Usage alerts: tell a client once per period when their time crosses 80 % and 100 % of
what the period allows."""

import datetime

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing import selectors
from billing.models import (
    Subscription,
    SubscriptionStatus,
    UsageAlert,
)
from concierge.models import NotificationKind, Task
from concierge.notifications import addressed_to, notify

ALERT_THRESHOLDS = (80, 100)


@transaction.atomic
def usage_alerts_check(
    *,
    subscription_id: int | None = None,
    client_id: int | None = None,
    now: datetime.datetime | None = None,
) -> list[int]:
    """Notify the client once per period when usage crosses 80 % and 100 % of the
    allowance (rollover + included + packs; a pack-only client: their packs' balance).
    Returns the thresholds newly crossed. Runs the moment billable time is recorded or
    changed, and from a job as a safety net; the unique constraint keeps it to once."""
    if subscription_id is not None:
        client_id = (
            Subscription.objects.filter(pk=subscription_id)
            .exclude(status=SubscriptionStatus.CANCELLED)
            .values_list("client_id", flat=True)
            .first()
        )
    if client_id is None:
        return []
    usage = selectors.client_usage(client_id, now)
    if usage is None or usage.awaiting_close:
        # Until the previous period is closed this period's allowance (its rollover) is
        # not known; the job checks again once the close has run.
        return []
    allowance = usage.allowance_minutes
    used = usage.rating.used_minutes
    if allowance <= 0:
        return []
    crossed = []
    for threshold in ALERT_THRESHOLDS:
        if used * 100 < threshold * allowance:
            continue
        with transaction.atomic():
            _alert, created = UsageAlert.objects.get_or_create(
                client_id=client_id,
                period_start=usage.period_start,
                threshold=threshold,
                defaults={
                    "subscription": usage.subscription,
                    "used_minutes": used,
                    "allowance_minutes": allowance,
                },
            )
        if created:
            crossed.append(threshold)
    if crossed:
        top = max(crossed)
        with addressed_to(client_id):
            words = {
                "top": top,
                "used": used,
                "allowance": allowance,
                "period": date_format(usage.period_start, "YEAR_MONTH_FORMAT"),
            }
            if usage.subscription is None:
                subject = _("You have used %(top)s %% of your hour packs") % words
                further = (
                    _("Buy a pack to keep billable time going.")
                    if top >= 100
                    else _("Buy another pack before they run out.")
                )
            else:
                subject = _("You have used %(top)s %% of this month's hours") % words
                further = _("Further time is billed as overage.")
            notify(
                user_id=client_id,
                kind=NotificationKind.HOURS_RUNNING_LOW,
                data={
                    "subscription": usage.subscription.pk if usage.subscription else None,
                    "threshold": top,
                },
                subject=subject,
                body=_(
                    "This period you have used %(used)s of your %(allowance)s minutes (%(period)s)."
                )
                % words
                + " "
                + further,
            )
    return crossed


def usage_alerts_on_time(*, task: Task) -> None:
    """Billable-time watcher: alert the moment a threshold is crossed."""
    usage_alerts_check(client_id=task.client_id)
