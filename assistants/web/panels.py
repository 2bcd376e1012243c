"""The assistants app's share of the portal: the time ledger and a task's entries."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistants.web.forms import DisputeForm
from assistants.web.views import entries_for
from concierge.models import Role
from concierge.web.registry import register_nav, register_panel


def task_entries(request, *, task, **page):
    return {
        "entries": list(entries_for(request.user).filter(task=task)),
        "now": timezone.now(),
        "dispute_form": DisputeForm(),
    }


def register():
    register_nav(label=_("Time"), url_name="time", order=30)
    register_nav(label=_("Disputes"), url_name="disputes", roles=[Role.MANAGER], order=40)
    register_panel(
        slot="task",
        template="assistants/web/panels/task_entries.html",
        context=task_entries,
        order=50,
    )
