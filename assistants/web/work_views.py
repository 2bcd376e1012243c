"""An assistant's tools: the running timer (in every page's header), "Log time" on a
task page, and editing or deleting an entry from the time ledger. Each is a plain POST that
goes back where it came from and, sent by htmx, answers with the part of the page it
changed. Writes go through the same services as the API, so the entries' history is the
same whichever door was used."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from assistants import policies, services
from assistants.models import TimeEntry
from assistants.web import panels
from assistants.web.forms import TimeEntryForm, TimerStartForm, TimerStopForm
from assistants.web.views import entry_of
from concierge.errors import ApplicationError
from concierge.selectors import task_get
from concierge.web.access import allowed, signed_in
from concierge.web.forms import attach_error
from concierge.web.middleware import back
from concierge.web.once import once

own_time_trackers = allowed(policies.may_track_own_time)
# Who may change an entry: as the API's PATCH and DELETE time-entries/{id}/, an assistant
# their own (another's is not found), a manager any.
time_writers = allowed(policies.may_write_time)
# Sent with every timer change: the panels that show the timer refresh themselves.
TIMER_CHANGED = "timer-changed"


def _timer_answer(request, service, **fields):
    try:
        service(actor=request.user, **fields)
    except ApplicationError as error:
        messages.error(request, error.detail)
    if not request.htmx:
        return back(request)
    response = render(
        request,
        "assistants/web/panels/timer.html",
        {"panel": panels.timer(request), "flash": True},
    )
    return trigger_client_event(response, TIMER_CHANGED)


@own_time_trackers
@require_POST
@once
def timer_start(request):
    form = TimerStartForm(request.POST)
    task_id = form.cleaned_data["task"] if form.is_valid() else None
    task = task_get(request.user, task_id)  # type: ignore[arg-type]  # no id finds no task: a 404 as for an unknown one
    return _timer_answer(request, services.timer_start, task=task)


def _stop_with_note(*, actor, note=""):
    """Stop the running timer; a note given with "Stop timer" goes on the entry."""
    entry = services.timer_stop(actor=actor)
    if note:
        entry = services.time_entry_update(actor=actor, entry=entry, note=note)
    return entry


@own_time_trackers
@require_POST
@once
def timer_stop(request):
    form = TimerStopForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _timer_answer(request, _stop_with_note, note=note)


def _time_panel(request, task, log_form=None):
    context = panels.task_entries(request, task=task, log_form=log_form)
    # The task's "Time logged" changes with its entries: swapped in by the same answer.
    logged = task_get(request.user, task.pk).logged_duration  # type: ignore[attr-defined]  # annotated by task_list
    return render(
        request,
        "assistants/web/panels/task_entries.html",
        {"panel": context, "flash": True, "logged": logged},
    )


@signed_in
def task_time_entries(request, pk):
    """A task's entries, refreshed in place after a timer change."""
    task = task_get(request.user, pk)
    if not request.htmx:
        return redirect("portal:task-detail", pk=task.pk)
    return _time_panel(request, task)


@own_time_trackers
@once
def log_time(request, pk):
    """A manual entry ("Log time") on a task the assistant is assigned."""
    task = task_get(request.user, pk)
    form = TimeEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.time_entry_create(actor=request.user, task=task, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("Time logged."))
            if not request.htmx:
                return redirect("portal:task-detail", pk=task.pk)
            form = TimeEntryForm()
    if request.htmx:
        return _time_panel(request, task, form)
    return render(
        request,
        "assistants/web/log_time.html",
        {"task": task, "form": form},
        status=400 if form.errors else 200,
    )


def _initial(entry: TimeEntry) -> dict:
    zone = timezone.get_current_timezone()
    return {
        "started_at": entry.started_at.astimezone(zone),
        "ended_at": entry.ended_at.astimezone(zone) if entry.ended_at else None,
        "note": entry.note,
        "billable": entry.billable,
    }


@time_writers
def time_entry_edit(request, pk):
    """Change an entry's times, note or billable flag; the service's refusals (invoiced,
    disputed, overlapping, over budget…) land beside their field or above the form."""
    entry = entry_of(request.user, pk)
    form = TimeEntryForm(request.POST or None, initial=_initial(entry))
    if request.method == "POST" and form.is_valid():
        try:
            services.time_entry_update(actor=request.user, entry=entry, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("Entry changed."))
            if request.htmx:
                return HttpResponseClientRedirect(reverse("portal:time"))
            return redirect("portal:time")
    context = {"entry": entry, "form": form}
    if request.htmx:  # the form again, its refusals beside their fields
        return render(request, "assistants/web/_entry_edit_form.html", context)
    return render(
        request,
        "assistants/web/time_entry_edit.html",
        context,
        status=400 if form.errors else 200,
    )


@time_writers
@once
def time_entry_delete(request, pk):
    """Delete an entry after a confirmation page (its history is kept)."""
    entry = entry_of(request.user, pk)
    refusal = None
    if request.method == "POST":
        try:
            services.time_entry_delete(actor=request.user, entry=entry)
        except ApplicationError as error:
            refusal = error.detail
        else:
            messages.success(request, _("Entry deleted."))
            return redirect("portal:time")
    return render(
        request,
        "assistants/web/time_entry_delete.html",
        {"entry": entry, "refusal": refusal},
        status=409 if refusal else 200,
    )
