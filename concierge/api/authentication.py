"""Token authentication that answers in the requesting person's own time zone, with
tokens that end: after an idle time (settings.TOKEN_IDLE_TIMEOUT_SECONDS), at logout, and
when the password changes.

Datetimes in responses are rendered in the zone of the user's profile (`timezone`), with
its offset; a New York client reads `-05:00` in winter. Only the rendering changes: every
domain computation (billing periods, workload weeks, deadlines) names the service's zone
(`settings.TIME_ZONE`) explicitly, and `UserTimezoneMiddleware` puts the service zone back
when the request ends. Session users get the same through the middleware.
"""

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from concierge import services
from concierge.errors import DrfCode
from concierge.timezones import activate_zone_of


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = "This token has expired or was revoked; obtain a new one."
    default_code = DrfCode.TOKEN_EXPIRED


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_zone_of(result[0])
        return result


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        # One query: the token, its user and its session.
        token = Token.objects.select_related("user", "session").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        now = timezone.now()
        if not services.token_is_live(token, now=now):
            raise TokenExpired()
        services.token_touch(token=token, now=now)
        return token.user, token
