"""The requesting person's time zone, for rendering only.

`activate_zone_of(user)` makes Django (and so DRF's datetime fields) render times in the
user's own zone for the rest of the request; `UserTimezoneMiddleware` activates it for
session users and always deactivates it at the end, so a worker thread never carries one
person's zone into the next request. Domain code never relies on the active zone: it
names `settings.TIME_ZONE` (billing.periods, assistants.workloads) or a person's zone.
"""

import zoneinfo

from django.utils import timezone


def activate_zone_of(user) -> None:
    name = getattr(user, "timezone", "") or ""
    try:
        timezone.activate(zoneinfo.ZoneInfo(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()  # an unknown name: the service's zone, never an error


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            activate_zone_of(user)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
