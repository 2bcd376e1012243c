"""The inbox: what the service told a person (unread first), marking it read, and which
kinds also come by e-mail. Everyone has one; nobody sees another's."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concierge import selectors, services
from concierge.errors import ApplicationError
from concierge.web.access import signed_in
from concierge.web.forms import attach_error
from concierge.web.notification_forms import PreferencesForm

PAGE_SIZE = 25
# What a notification is about (its `data`), and the page that shows it.
LINKS = (("task", "portal:task-detail"), ("invoice", "portal:invoice-detail"))


def link_of(notification) -> str | None:
    for key, url_name in LINKS:
        if isinstance(notification.data.get(key), int):
            try:
                return reverse(url_name, args=[notification.data[key]])
            except NoReverseMatch:
                return None
    return None


def _inbox(user):
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return (
        selectors.notifications_of(user)
        .annotate(unread=unread)
        .order_by("-unread", "-created_at", "-id")
    )


def _render(request, form=None, status=200):
    page = Paginator(_inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for notification in page.object_list:
        notification.link = link_of(notification)
    form = form or PreferencesForm(preferences=selectors.notification_preferences_of(request.user))
    return render(
        request,
        "portal/notifications.html",
        {"page": page, "preferences_form": form},
        status=status,
    )


@signed_in
def notifications(request):
    return _render(request)


@signed_in
@require_POST
def notification_read(request, pk):
    notification = services.notification_mark_read(user=request.user, notification_id=pk)
    if request.htmx:
        notification.link = link_of(notification)  # type: ignore[attr-defined]  # read by the template
        # The header's count is refreshed by the same answer (out of band).
        return render(request, "portal/notification_read.html", {"notification": notification})
    return redirect("portal:notifications")


@signed_in
@require_POST
def notification_read_all(request):
    marked = services.notification_mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("Everything is marked read."))
    return redirect("portal:notifications")


@signed_in
@require_POST
def notification_preferences(request):
    form = PreferencesForm(
        request.POST, preferences=selectors.notification_preferences_of(request.user)
    )
    if form.is_valid():
        try:
            services.notification_preferences_set(user=request.user, email=form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("Your choices are saved."))
            return redirect("portal:notifications")
    return _render(request, form, status=400)
