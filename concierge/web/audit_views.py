"""Managers' audit page: the API's `audit-log/`, filtered, a page at a time."""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from concierge import audit, policies
from concierge.web.access import allowed

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    target_type = forms.CharField(label=_("Kind of object"), required=False, max_length=100)
    target_id = forms.IntegerField(
        label=_("Object id"), required=False, min_value=1, max_value=2**63 - 1
    )
    actor = forms.IntegerField(
        label=_("Person id"), required=False, min_value=1, max_value=2**63 - 1
    )
    since = forms.DateTimeField(label=_("Since"), required=False)


@allowed(policies.may_read_audit_log)
def audit_log(request):
    """Who changed what, when, from where: every recorded write, newest first."""
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {name: value for name, value in form.cleaned_data.items() if value}
    rows = audit.records(**filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
