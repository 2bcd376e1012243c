"""The core domain's share of the portal: its navigation and its home-page panels."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concierge import policies, selectors
from concierge.models import Role
from concierge.web import vault_views
from concierge.web.registry import register_nav, register_panel

HOME_LIST = 8


def open_tasks(request, **page):
    """Client: their open tasks; manager: late work (an assistant's day comes from the
    assistants app)."""
    user = request.user
    tasks = (
        selectors.task_list(user, history=False)
        .filter(status__in=selectors.OPEN_STATUSES)
        .select_related("assignee", "client")
    )
    if user.is_client:
        heading = _("Open tasks")
    else:
        tasks = tasks.filter(promised_due_at__lt=timezone.now()).order_by("promised_due_at")
        heading = _("Late work")
    return {"heading": heading, "tasks": list(tasks[:HOME_LIST])}


def register():
    register_nav(label=_("Home"), url_name="app", order=10)
    register_nav(label=_("Tasks"), url_name="task-list", order=20)
    register_nav(label=_("Account"), url_name="account", order=90)
    register_nav(label=_("Vault"), url_name="vault", rule=policies.may_keep_vault, order=55)
    register_nav(label=_("Audit"), url_name="audit", rule=policies.may_read_audit_log, order=85)
    register_panel(
        slot="task",
        template="portal/panels/vault.html",
        context=vault_views.task_vault,
        roles={Role.ASSISTANT},
        order=30,
    )
    register_panel(
        slot="home",
        template="portal/panels/open_tasks.html",
        context=open_tasks,
        roles={Role.CLIENT, Role.MANAGER},
        order=20,
    )
