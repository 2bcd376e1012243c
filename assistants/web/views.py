"""The time ledger, the client's "Dispute" on an entry and the manager's disputes queue."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistants import policies, selectors, services
from assistants.models import TimeEntryStatus
from assistants.web.forms import DisputeForm, ResolveForm
from concierge import errors
from concierge.errors import ApplicationError
from concierge.web.access import allowed, signed_in
from concierge.web.middleware import back
from concierge.web.once import once

PAGE_SIZE = 50


def entries_for(user):
    return selectors.time_entries_visible_to(user).select_related("task")


@signed_in
def time_ledger(request):
    entries = entries_for(request.user)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistants/web/time_ledger.html",
        {
            "page": page,
            "now": timezone.now(),
            "dispute_form": DisputeForm(),
            "dispute_days": settings.TIME_DISPUTE_DAYS,
        },
    )


def entry_of(user, pk):
    """One entry `user` may see, or 404."""
    entry = entries_for(user).filter(pk=pk).first()
    if entry is None:
        raise errors.NotFound(errors.Code.NOT_FOUND, _("No such time entry."))
    return entry


@allowed(policies.may_dispute_time)
@require_POST
@once
def time_entry_dispute(request, pk):
    entry = entry_of(request.user, pk)
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            entry = services.time_entry_dispute(
                actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, _("The entry is disputed; a manager will decide."))
    else:
        messages.error(request, _("Say why you dispute this entry."))
    if request.htmx:
        entry = entry_of(request.user, pk)
        return render(
            request,
            "assistants/web/_entry_row.html",
            {
                "entry": entry,
                "now": timezone.now(),
                "dispute_form": form,
                "flash": True,
                # The ledger's rows name the task; the task page's, the note.
                "show_task": request.POST.get("show_task") == "1",
            },
        )
    return back(request, default="portal:time")


def awaiting_decision(user):
    return (
        entries_for(user)
        .filter(status__in=(TimeEntryStatus.DISPUTED, TimeEntryStatus.NEEDS_REVIEW))
        .prefetch_related("events__actor")
        .order_by("disputed_at", "started_at", "pk")
    )


@allowed(policies.may_resolve_entry)
def disputes(request):
    page = Paginator(awaiting_decision(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "assistants/web/disputes.html", {"page": page, "resolve_form": ResolveForm()}
    )


@allowed(policies.may_resolve_entry)
@require_POST
@once
def dispute_resolve(request, pk):
    entry = entry_of(request.user, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.time_entry_resolve(
                actor=request.user,
                entry=entry,
                decision=form.cleaned_data["decision"],
                billable_minutes=form.cleaned_data["billable_minutes"],
            )
        except ApplicationError as error:
            messages.error(request, error.detail)
        else:
            messages.success(
                request, _("Decision recorded; the client and the assistant are told.")
            )
    else:
        messages.error(request, _("Choose a decision, and the minutes to bill when adjusting."))
    if request.htmx:
        entry = awaiting_decision(request.user).filter(pk=pk).first()
        return render(
            request,
            "assistants/web/_dispute.html",
            {"entry": entry, "resolve_form": form, "pk": pk, "flash": True},
        )
    return back(request, default="portal:disputes")
