"""The calendar page: secret feed addresses, outside calendars and a CalDAV account."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calendar_sync import selectors, services
from calendar_sync.web.forms import CalDavForm, FeedForm, IcsForm
from concierge.errors import ApplicationError
from concierge.web.access import signed_in
from concierge.web.forms import attach_error
from concierge.web.once import once


def _render(request, *, status=200, **forms):
    user = request.user
    context = {
        "feeds": selectors.feeds_of(user).filter(revoked_at__isnull=True),
        "subscriptions": selectors.subscriptions_of(user),
        "caldav": selectors.caldav_accounts_of(user).first(),
        "feed_form": forms.get("feed_form") or FeedForm(),
        "ics_form": forms.get("ics_form") or IcsForm(),
        "caldav_form": forms.get("caldav_form") or CalDavForm(),
        "new_feed_url": forms.get("new_feed_url"),
    }
    return render(request, "calendar_sync/web/calendar.html", context, status=status)


@signed_in
def calendar_page(request):
    return _render(request)


@signed_in
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


@signed_in
@require_POST
@once
def feed_revoke(request, pk):
    services.feed_revoke(user=request.user, feed_id=pk)
    messages.success(request, _("The feed address no longer works."))
    return redirect("portal:calendar")


@signed_in
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


@signed_in
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
