"""A manager's page for one client: plan and usage, who serves them (primary and backup,
with the room each has), their tasks, invoices and audit trail."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from assistants import briefs
from billing import selectors
from billing.web.client_forms import ClientAssistantsForm
from billing.web.views import month_of
from concierge import policies, services
from concierge import selectors as task_selectors
from concierge.errors import ApplicationError
from concierge.models import AuditLog
from concierge.web.access import allowed
from concierge.web.forms import attach_error
from concierge.web.once import once

RECENT = 10


def _trail(client):
    """What was changed about the client: their profile and assistants, and more."""
    return AuditLog.objects.filter(about_id=client.pk).order_by("-at", "-id")[:RECENT]


@allowed(policies.may_manage_clients)
@once
def client_detail(request, pk):
    manager = request.user
    profile = get_object_or_404(task_selectors.clients_visible_to(manager), user_id=pk)
    client = profile.user
    assistants = task_selectors.assistants_for_assignment(manager)
    initial = {
        "primary_assistant": profile.primary_assistant_id,
        "backup_assistant": profile.backup_assistant_id,
    }
    form = ClientAssistantsForm(request.POST or None, assistants=assistants, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_profile_update(profile=profile, actor=manager, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(
                request, _("%(name)s's assistants are saved.") % {"name": client.full_name}
            )
            return redirect("portal:client-detail", pk=client.pk)
    tasks = (
        task_selectors.task_list(manager, history=False)
        .filter(client=client)
        .select_related("assignee")
    )
    context = {
        "client": client,
        "profile": profile,
        "form": form,
        "month": month_of(client),
        "tasks": tasks[:RECENT],
        "invoices": selectors.invoices_visible_to(manager).filter(client=client)[:RECENT],
        "trail": _trail(client),
        "brief": briefs.brief_get(manager, client.pk),
    }
    return render(
        request,
        "billing/web/client_detail.html",
        context,
        status=400 if form.errors else 200,
    )
