"""Managers' billing and clients pages: every client with their assistants and plan; the
monthly close; marking invoices paid in local mode. The services are the API's."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from billing import errors, policies, selectors, services
from billing.web.forms import ClosePeriodForm
from concierge import policies as concierge_policies
from concierge.errors import ApplicationError, NotFound
from concierge.selectors import clients_visible_to
from concierge.web.access import allowed
from concierge.web.middleware import back
from concierge.web.once import once

PAGE_SIZE = 50


@allowed(concierge_policies.may_manage_clients)
def clients(request):
    profiles = clients_visible_to(request.user).order_by(
        "user__last_name", "user__first_name", "user_id"
    )
    page = Paginator(profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    plans = selectors.live_subscriptions([profile.user_id for profile in page.object_list])
    for profile in page.object_list:
        profile.subscription = plans.get(profile.user_id)  # type: ignore[attr-defined]  # read by the client list's template
    return render(request, "billing/web/clients.html", {"page": page})


def _billing_page(request, form):
    return render(
        request,
        "billing/web/billing.html",
        {
            "close": selectors.close_status(request.user),
            "counts": selectors.invoice_counts_by_status(request.user),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@allowed(policies.may_manage_client_billing)
def billing(request):
    return _billing_page(request, ClosePeriodForm())


@allowed(policies.may_manage_client_billing)
@require_POST
@once
def billing_close(request):
    form = ClosePeriodForm(request.POST)
    if not form.is_valid():
        return _billing_page(request, form)
    try:
        result = services.billing_period_close(
            period=form.cleaned_data["period"], actor=request.user
        )
    except ApplicationError as error:
        form.add_error("period", error.detail)
        return _billing_page(request, form)
    if result.invoices:
        messages.success(
            request,
            ngettext(
                "%(count)d invoice issued for %(periods)s.",
                "%(count)d invoices issued for %(periods)s.",
                result.invoices,
            )
            % {
                "count": result.invoices,
                "periods": ", ".join(f"{p:%Y-%m}" for p in result.periods),
            },
        )
    else:
        messages.info(request, _("Nothing left to close: every ended month is invoiced."))
    return redirect("portal:billing")


@allowed(policies.may_manage_client_billing)
@require_POST
@once
def invoice_mark_paid(request, pk):
    invoice = selectors.invoices_visible_to(request.user).filter(pk=pk).first()
    if invoice is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such invoice."))
    invoice = services.invoice_mark_paid(invoice=invoice, actor=request.user)
    messages.success(request, _("Invoice %(number)s is marked paid.") % {"number": invoice.number})
    return back(request, default="portal:invoice-list")
