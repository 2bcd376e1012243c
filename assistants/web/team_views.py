"""The manager's team: the week's workloads with a chart per assistant, one assistant's
week, late and at-risk work with reassignment, and time off. Reads through the workload
selectors the API uses; writes through the same services."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assistants import assignment, policies, selectors, services, workload_selectors, workloads
from assistants.web.chart import WIDTH, week_bar
from assistants.web.forms import TimeOffForm
from concierge import selectors as task_selectors
from concierge import services as task_services
from concierge.errors import ApplicationError
from concierge.models import TERMINAL_STATUSES
from concierge.web.access import allowed
from concierge.web.forms import AssignForm, attach_error
from concierge.web.once import once

PAGE_SIZE = 50
WEEK = datetime.timedelta(days=7)

team_managers = allowed(policies.may_see_team)


def _week(request):
    """The `?week=` asked for (the current one by default), and whether it was bad."""
    text = request.GET.get("week")
    if text:
        try:
            return workloads.parse_week(text), False
        except workloads.BadWeek:
            messages.error(
                request, _("“%(week)s” is not a week such as 2026-W47.") % {"week": text}
            )
    return workloads.week_of(timezone.now()), bool(text)


def _week_nav(week):
    def shifted(days):
        year, number, _ = (week.first_day + days).isocalendar()
        return workloads.Week(year, number)

    return {"week": week, "previous": shifted(-WEEK), "next": shifted(WEEK)}


@team_managers
def team_week(request):
    week, bad = _week(request)
    rows = workload_selectors.team_workload(request.user, week=week, now=timezone.now())
    for row in rows:
        row["bar"] = week_bar(row)
    context = {
        **_week_nav(week),
        "rows": rows,
        "totals": workload_selectors.team_totals(rows),
        "chart_width": WIDTH,
    }
    return render(request, "assistants/web/team/week.html", context, status=400 if bad else 200)


@team_managers
def team_member(request, assistant_id):
    week, bad = _week(request)
    workload = workload_selectors.assistant_workload(
        request.user, assistant_id=assistant_id, week=week, now=timezone.now()
    )
    if workload is None:
        raise Http404(_("No such assistant."))
    workload["bar"] = week_bar(workload)
    context = {**_week_nav(week), "workload": workload, "chart_width": WIDTH}
    return render(request, "assistants/web/team/member.html", context, status=400 if bad else 200)


@team_managers
def team_late(request):
    now = timezone.now()
    at_risk = workload_selectors.team_at_risk(request.user, now=now)
    late = Q(promised_due_at__lt=now) & ~Q(status__in=TERMINAL_STATUSES)
    tasks = (
        task_selectors.task_list(request.user, history=False, now=now)
        .filter(late | Q(pk__in=at_risk))
        .order_by("promised_due_at", "pk")
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    for task in page.object_list:
        task.late = task.is_overdue(now)  # type: ignore[attr-defined]  # read by the late list's template
    return render(request, "assistants/web/team/late.html", {"page": page})


@team_managers
def team_unassigned(request):
    """The intake queue: open tasks nobody holds, and those flagged because nobody free
    could take them (over), oldest first — a task is never left unseen."""
    tasks = (
        task_selectors.task_list(request.user, history=False)
        .filter(Q(assignee__isnull=True) | Q(flagged_at__isnull=False))
        .exclude(status__in=TERMINAL_STATUSES)
        .order_by("created_at", "pk")
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assistants/web/team/unassigned.html", {"page": page})


@team_managers
@once
def task_reassign(request, pk):
    task = task_selectors.task_get(request.user, pk)
    form = AssignForm(
        request.POST or None, assistants=task_selectors.assistants_for_assignment(request.user)
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                task_services.task_assign(
                    task=task, actor=request.user, assistant=form.cleaned_data["assistant"]
                )
            except ApplicationError as error:
                attach_error(form, error)
            else:
                messages.success(
                    request,
                    _("“%(task)s” now goes to %(name)s.")
                    % {"task": task.title, "name": form.cleaned_data["assistant"].full_name},
                )
                return redirect("portal:team-late")
        else:
            messages.error(request, _("Choose an active assistant."))
    context = {
        "task": task,
        "form": form,
        "candidates": assignment.candidates(task, exclude={task.assignee_id}),
    }
    return render(
        request, "assistants/web/team/reassign.html", context, status=400 if form.errors else 200
    )


@team_managers
@once
def time_off(request):
    form = TimeOffForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created, moves = services.time_off_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Time off entered for %(name)s; %(count)d open task inside it handled.",
                    "Time off entered for %(name)s; %(count)d open tasks inside it handled.",
                    len(moves),
                )
                % {"name": created.assistant.full_name, "count": len(moves)},
            )
            return redirect("portal:team-time-off")
    upcoming = (
        selectors.time_off_visible_to(request.user)
        .filter(ends_at__gt=timezone.now())
        .select_related("assistant")
        .order_by("starts_at", "pk")
    )
    page = Paginator(upcoming, PAGE_SIZE).get_page(request.GET.get("page"))
    moves_by_leave = selectors.time_off_moves(
        request.user, [leave.pk for leave in page.object_list]
    )
    for leave in page.object_list:
        leave.moves = moves_by_leave.get(leave.pk, [])  # type: ignore[attr-defined]  # read by the time-off list's template
    return render(
        request,
        "assistants/web/team/time_off.html",
        {"form": form, "page": page},
        status=400 if form.errors else 200,
    )
