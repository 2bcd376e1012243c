"""The client brief in the portal: the client writes theirs at /app/brief/; a manager
writes a client's, and the assistants who serve the client read it, at
/app/clients/<id>/brief/, with its recorded changes. The task page shows it to its
assignee and the managers."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistants import briefs, policies
from concierge.errors import ApplicationError
from concierge.models import Role
from concierge.web.access import allowed, signed_in
from concierge.web.forms import attach_error
from concierge.web.once import once

HISTORY = 10


def _text(label, help_text):
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class BriefForm(forms.Form):
    instructions = _text(
        gettext_lazy("Standing instructions"),
        gettext_lazy("What to do every time, e.g. “book aisle seats; never call before 9”."),
    )
    preferences = _text(
        gettext_lazy("Preferences"),
        gettext_lazy("Tastes and habits: airlines, hotels, shops, diet, budgets."),
    )
    contacts = _text(
        gettext_lazy("Contacts"),
        gettext_lazy("People and places to deal with: family, doctor, landlord, office."),
    )


def _page(request, client_id, *, own):
    user = request.user
    brief = briefs.brief_get(user, client_id)
    writer = briefs.can_write(user, brief.client_id)
    initial = {name: getattr(brief, name) for name in brief.TEXT_FIELDS}
    form = BriefForm(request.POST or None, initial=initial) if writer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                briefs.brief_update(actor=user, client_id=brief.client_id, **form.cleaned_data)
            except ApplicationError as error:
                attach_error(form, error)
            else:
                messages.success(request, _("The brief is saved."))
                if own:
                    return redirect("portal:brief")
                return redirect("portal:client-brief", pk=brief.client_id)
    context = {
        "brief": brief,
        "client": brief.client,
        "form": form,
        "own": own,
        "history": briefs.brief_history(brief.client)[:HISTORY],
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "assistants/web/brief.html", context, status=status)


@allowed(policies.may_keep_own_brief)
@once
def own_brief(request):
    return _page(request, request.user.pk, own=True)


@signed_in
@once
def client_brief(request, pk):
    if request.user.is_client:
        if request.user.pk != pk:
            raise PermissionDenied
        return redirect("portal:brief")
    return _page(request, pk, own=False)


def task_brief(request, task, **page):
    """The task page's brief of its client, for the assignee and the managers."""
    user = request.user
    if not (user.is_manager or task.assignee_id == user.pk):
        return None
    return {"brief": briefs.brief_get(user, task.client_id), "task": task}


def home_brief(request, **page):
    """The client's home: their brief as their assistants read it, and a way to change it."""
    return {"brief": briefs.brief_get(request.user, request.user.pk)}


def register(register_panel):
    register_panel(
        slot="task",
        template="assistants/web/panels/brief.html",
        context=task_brief,
        roles=[Role.ASSISTANT, Role.MANAGER],
        order=20,
    )
    register_panel(
        slot="home",
        template="assistants/web/panels/brief.html",
        context=home_brief,
        roles=[Role.CLIENT],
        order=60,
    )
