"""The admin's sign-in. The admin has no login form of its own: its door is the portal's
(throttled per address and per account by `concierge.accounts.throttles`, and asking for
the second factor), and a staff session opens the admin."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def admin_login(request):
    target = request.GET.get(REDIRECT_FIELD_NAME) or "/admin/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    if request.user.is_authenticated and request.user.is_staff:
        return HttpResponseRedirect(target)
    return redirect_to_login(target)
