"""Token authentication that answers in the requesting person's own time zone.

Datetimes in responses are rendered in the zone of the user's profile (`timezone`), with
its offset; a New York client reads `-05:00` in winter. Only the rendering changes: every
domain computation (billing periods, workload weeks, deadlines) names the service's zone
(`settings.TIME_ZONE`) explicitly, and `UserTimezoneMiddleware` puts the service zone back
when the request ends. Session users get the same through the middleware.
"""

from rest_framework import authentication

from concierge.timezones import activate_zone_of


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_zone_of(result[0])
        return result
