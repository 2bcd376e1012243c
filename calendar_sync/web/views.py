"""The calendar page: secret feed addresses, outside calendars and a CalDAV account, each
added, changed and removed here."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calendar_sync import policies, selectors, services
from calendar_sync.web.forms import CalDavChangeForm, CalDavForm, FeedForm, IcsForm
from concierge.errors import ApplicationError
from concierge.web.access import allowed
from concierge.web.forms import attach_error
from concierge.web.once import once

calendar_keepers = allowed(policies.may_keep_calendars)


def _render(request, *, status=200, **forms):
    user = request.user
    caldav = selectors.caldav_accounts_of(user).first()
    context = {
        "feeds": selectors.feeds_of(user).filter(revoked_at__isnull=True),
        "subscriptions": selectors.subscriptions_of(user),
        "caldav": caldav,
        "feed_form": forms.get("feed_form") or FeedForm(),
        "ics_form": forms.get("ics_form") or IcsForm(),
        "caldav_form": forms.get("caldav_form") or CalDavForm(),
        "caldav_change_form": forms.get("caldav_change_form")
        or (CalDavChangeForm(initial=_settings_of(caldav)) if caldav else None),
        "new_feed_url": forms.get("new_feed_url"),
    }
    return render(request, "calendar_sync/web/calendar.html", context, status=status)


@calendar_keepers
def calendar_page(request):
    return _render(request)


@calendar_keepers
@require_POST
@once
def feed_create(request):
    form = FeedForm(request.POST)
    if not form.is_valid():
        return _render(request, feed_form=form, status=400)
    _feed, token = services.feed_create(user=request.user, **form.cleaned_data)
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": token}))
    # Shown once, now: only the token's hash is kept.
    return _render(request, new_feed_url=url)


@calendar_keepers
@require_POST
@once
def feed_revoke(request, pk):
    services.feed_revoke(user=request.user, feed_id=pk)
    messages.success(request, _("The feed address no longer works."))
    return redirect("portal:calendar")


@calendar_keepers
@require_POST
@once
def ics_add(request):
    form = IcsForm(request.POST)
    if form.is_valid():
        try:
            services.subscription_create(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The calendar is added; its busy times come in shortly."))
            return redirect("portal:calendar")
    return _render(request, ics_form=form, status=400)


@calendar_keepers
@require_POST
@once
def caldav_link(request):
    form = CalDavForm(request.POST)
    if form.is_valid():
        try:
            services.caldav_account_set(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("Your CalDAV calendar is linked."))
            return redirect("portal:calendar")
    return _render(request, caldav_form=form, status=400)


def _settings_of(account) -> dict:
    return {"url": account.url, "username": account.username, "calendar": account.calendar}


@calendar_keepers
@once
def ics_change(request, pk):
    """Rename an outside calendar or give its new address."""
    subscription = get_object_or_404(selectors.subscriptions_of(request.user), pk=pk)
    form = IcsForm(
        request.POST or None, initial={"url": subscription.url, "name": subscription.name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_update(
                user=request.user, subscription_id=subscription.pk, **form.cleaned_data
            )
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The calendar is saved."))
            return redirect("portal:calendar")
    return render(
        request,
        "calendar_sync/web/outside.html",
        {"subscription": subscription, "form": form},
        status=400 if form.errors else 200,
    )


@calendar_keepers
@require_POST
@once
def ics_remove(request, pk):
    services.subscription_delete(user=request.user, subscription_id=pk)
    messages.success(request, _("The calendar is removed, and its busy times with it."))
    return redirect("portal:calendar")


@calendar_keepers
@require_POST
@once
def caldav_change(request, pk):
    account = get_object_or_404(selectors.caldav_accounts_of(request.user), pk=pk)
    form = CalDavChangeForm(request.POST)
    if form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "password" or v}
        try:
            services.caldav_account_update(user=request.user, account_id=account.pk, **changes)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("Your CalDAV link is saved."))
            return redirect("portal:calendar")
    return _render(request, caldav_change_form=form, status=400)


@calendar_keepers
@require_POST
@once
def caldav_unlink(request, pk):
    services.caldav_account_delete(user=request.user, account_id=pk)
    messages.success(
        request, _("Your CalDAV calendar is unlinked; events already there stay on it.")
    )
    return redirect("portal:calendar")
