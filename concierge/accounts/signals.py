"""A sign-in through Django's `login()` (portal, admin, tests' force_login) opens a
browser-session row; a sign-out ends it. The throttle cache's table is created after
every migrate when it is a database cache."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from concierge.accounts import sessions
from concierge.accounts.models import AccountSession


@receiver(user_logged_in, dispatch_uid="accounts.session_start")
def _session_start(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.browser_session_start(request, user)


@receiver(user_logged_out, dispatch_uid="accounts.session_end")
def _session_end(sender, request, user, **kwargs):
    if request is None or user is None or not hasattr(request, "session"):
        return
    session_id = request.session.get(sessions.SESSION_KEY)
    if session_id is not None:
        AccountSession.objects.filter(pk=session_id, user=user).delete()


@receiver(post_migrate, dispatch_uid="accounts.cache_table")
def _cache_table(sender, using, **kwargs):
    if sender.label != "accounts":
        return
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
