"""The assistants app's share of the portal: the time ledger, a task's entries with the
assignee's timer and "Log time", the running timer in every page's header, and the
assistant's day on their home page."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistants import policies, selectors, workload_selectors, workloads
from assistants.web import brief_views
from assistants.web.forms import DisputeForm, TimeEntryForm
from assistants.web.views import awaiting_decision, entries_for
from assistants.workload_selectors import assistant_workload
from concierge.models import Role
from concierge.web.registry import register_nav, register_panel


def task_entries(request, *, task, log_form=None, **page):
    user = request.user
    entries = list(entries_for(user).filter(task=task))
    works_on_it = user.is_assistant and task.assignee_id == user.pk and task.is_open
    return {
        "task": task,
        "entries": entries,
        "now": timezone.now(),
        "dispute_form": DisputeForm(),
        "log_form": (log_form or TimeEntryForm()) if works_on_it else None,
        "timer_here": any(e.ended_at is None and e.assistant_id == user.pk for e in entries),
    }


def clock(seconds):
    """Elapsed time as the header shows it: "1:05" (hours and minutes)."""
    hours, minutes = divmod(max(seconds, 0) // 60, 60)
    return f"{hours}:{minutes:02d}"


def timer(request, **page):
    """The running timer (one query), or nothing running."""
    entry = selectors.running_timer(request.user)
    if entry is None:
        return {"entry": None}
    return {
        "entry": entry,
        "elapsed": clock(entry.duration_seconds),
        "started_ms": int(entry.started_at.timestamp() * 1000),
    }


def day(request, **page):
    """The assistant's open tasks by promised deadline, overdue and at-risk ones marked (the
    workload's rule), and this week's logged time against their capacity."""
    now = timezone.now()
    week = workloads.week_of(now)
    return {
        "week": week,
        "now": now,
        "workload": assistant_workload(
            request.user, assistant_id=request.user.pk, week=week, now=now
        ),
    }


def team_week(request, **page):
    """The manager's home: the team's week in one line, late and at-risk work, disputes."""
    now = timezone.now()
    week = workloads.week_of(now)
    rows = workload_selectors.team_workload(request.user, week=week, now=now)
    return {
        "week": week,
        "totals": workload_selectors.team_totals(rows),
        "at_risk": len(workload_selectors.team_at_risk(request.user, now=now)),
        "disputes": awaiting_decision(request.user).count(),
    }


def register():
    register_nav(label=_("Time"), url_name="time", order=30)
    register_nav(
        label=_("Disputes"), url_name="disputes", rule=policies.may_resolve_entry, order=40
    )
    register_nav(label=_("Team"), url_name="team", rule=policies.may_see_team, order=15)
    register_panel(
        slot="home",
        template="assistants/web/panels/team_week.html",
        context=team_week,
        roles=[Role.MANAGER],
        order=10,
    )
    register_panel(
        slot="header",
        template="assistants/web/panels/timer.html",
        context=timer,
        roles=[Role.ASSISTANT],
    )
    register_panel(
        slot="home",
        template="assistants/web/panels/day.html",
        context=day,
        roles=[Role.ASSISTANT],
        order=10,
    )
    register_panel(
        slot="task",
        template="assistants/web/panels/task_entries.html",
        context=task_entries,
        order=50,
    )
    brief_views.register(register_panel)
