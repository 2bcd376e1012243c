"""The time ledger and the client's "Dispute" on an entry."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistants import selectors, services
from assistants.web.forms import DisputeForm
from concierge import errors
from concierge.errors import ApplicationError
from concierge.web.access import clients_only, signed_in
from concierge.web.middleware import back

PAGE_SIZE = 50


def entries_for(user):
    return selectors.time_entries_visible_to(user).select_related("assistant", "task", "invoice")


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


def _entry(user, pk):
    entry = entries_for(user).filter(pk=pk).first()
    if entry is None:
        raise errors.NotFound(errors.NOT_FOUND, "No such time entry.")
    return entry


@clients_only
@require_POST
def time_entry_dispute(request, pk):
    entry = _entry(request.user, pk)
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
        entry = _entry(request.user, pk)
        return render(
            request,
            "assistants/web/_entry_row.html",
            {"entry": entry, "now": timezone.now(), "dispute_form": form, "flash": True},
        )
    return back(request, default="portal:time")
