"""Invoices, the plan page and the client's month on the home page."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import errors, policies, selectors, services, tax
from billing import seller as billing_seller
from billing import stripe as billing_stripe
from billing.models import InvoiceStatus
from billing.web import gauge
from billing.web.forms import BillingDetailsForm, CardForm, PackForm, PlanChoiceForm
from concierge.errors import ApplicationError, NotFound
from concierge.web.access import allowed
from concierge.web.middleware import back
from concierge.web.once import once

PAGE_SIZE = 25
billing_readers = allowed(policies.may_read_invoices)
billing_keepers = allowed(policies.may_keep_own_billing)


def month_of(user) -> dict | None:
    """The client's current period, rated as if it closed now, with the gauge's parts."""
    subscription = selectors.live_subscription(user.pk)
    if subscription is None:
        return None
    usage = selectors.current_usage(subscription)
    r = usage.rating
    return {
        "subscription": subscription,
        "usage": usage,
        "rating": r,
        "segments": gauge.segments(
            rollover=r.rollover_in,
            included=r.included_minutes,
            packs=r.pack_minutes,
            from_rollover=r.from_rollover,
            from_included=r.from_included,
            from_packs=r.from_packs,
            overage=r.overage_minutes,
        ),
        "width": gauge.WIDTH,
    }


@billing_readers
def invoice_list(request):
    invoices = selectors.invoices_visible_to(request.user).select_related("client")
    status = request.GET.get("status", "")
    if status in InvoiceStatus.values:
        invoices = invoices.filter(status=status)
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/web/invoice_list.html",
        {
            "page": page,
            "status": status,
            "statuses": InvoiceStatus.values,
            "mark_paid": request.user.is_manager and not settings.STRIPE_ENABLED,
        },
    )


@billing_readers
def invoice_detail(request, pk):
    invoice = (
        selectors.invoices_with_details(selectors.invoices_visible_to(request.user))
        .select_related("client", "plan")
        .filter(pk=pk)
        .first()
    )
    if invoice is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such invoice."))
    lines = invoice.lines.all()
    breakdown = tax.breakdown_of([(x.tax_rate, x.amount, x.tax_amount) for x in lines])
    return render(
        request, "billing/web/invoice_detail.html", {"invoice": invoice, "breakdown": breakdown}
    )


def _card(request):
    """Card payments: off in local mode; else the client's default card as Stripe has it."""
    if not settings.STRIPE_ENABLED:
        return {"enabled": False}
    try:
        current = billing_stripe.payment_method_default(user=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
        current = None
    return {
        "enabled": True,
        "current": current,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "stripe_js": settings.STRIPE_JS_URL,
    }


@billing_keepers
def plan_page(request):
    user = request.user
    details = billing_seller.billing_details_of(user)
    initial = (
        {name: getattr(details, name) for name in ("name", "address", "company", "vat_id")}
        if details
        else {"name": user.full_name}
    )
    return render(
        request,
        "billing/web/plan.html",
        {
            "month": month_of(user),
            "plans": selectors.plans_visible_to(user).filter(active=True),
            "plan_form": PlanChoiceForm(user=user),
            "pack_form": PackForm(),
            "packs": selectors.hour_packs_of(user)[:10],
            "card": _card(request),
            "billing_details": details,
            "details_form": BillingDetailsForm(initial=initial),
        },
    )


@billing_keepers
@require_POST
@once
def billing_details_save(request):
    """The name and address the client's invoices are made out to."""
    form = BillingDetailsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the name and the address for your invoices."))
        return redirect("portal:plan")
    try:
        billing_seller.billing_details_update(
            client=request.user, actor=request.user, **form.cleaned_data
        )
    except ApplicationError as error:
        messages.error(request, error.detail)
        return redirect("portal:plan")
    messages.success(request, _("Your billing details are saved."))
    return redirect("portal:plan")


def _plan_action(request, action):
    form = PlanChoiceForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose one of the plans offered."))
        return redirect("portal:plan")
    plan = form.cleaned_data["plan"]
    if action == "subscribe":
        services.subscription_create(client=request.user, plan=plan)
        name = plan.name_in(get_language() or "en")
        messages.success(request, _("You are subscribed to %(plan)s.") % {"plan": name})
    else:
        subscription = _own_subscription(request.user)
        services.subscription_change(subscription=subscription, plan=plan)
        messages.success(request, _("Your plan changes at the start of next month."))
    return redirect("portal:plan")


def _own_subscription(user):
    subscription = selectors.subscription_of(user)
    if subscription is None:
        raise NotFound(errors.Code.NO_SUBSCRIPTION, _("You have no subscription."))
    return subscription


@billing_keepers
@require_POST
@once
def plan_subscribe(request):
    return _plan_action(request, "subscribe")


@billing_keepers
@require_POST
@once
def plan_change(request):
    return _plan_action(request, "change")


@billing_keepers
@require_POST
@once
def plan_cancel(request):
    subscription = services.subscription_cancel(subscription=_own_subscription(request.user))
    messages.success(
        request,
        _("Your subscription ends on %(day)s; this month is still invoiced.")
        % {"day": subscription.ended_on},
    )
    return redirect("portal:plan")


@billing_keepers
@require_POST
@once
def pack_buy(request):
    form = PackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the hour packs offered."))
        return back(request, default="portal:plan")
    try:
        pack = services.pack_purchase(client=request.user, minutes=form.cleaned_data["minutes"])
    except ApplicationError as error:
        messages.error(request, error.detail)
        return redirect("portal:plan")
    messages.success(
        request, _("%(hours)d hours added to your account.") % {"hours": pack.minutes // 60}
    )
    return redirect("portal:plan")


@billing_keepers
@require_POST
@once
def card_set(request):
    """The card Stripe.js took (a confirmed SetupIntent, or a PaymentMethod id) becomes the
    default for invoices."""
    form = CardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The card could not be read; please enter it again."))
        return redirect("portal:plan")
    try:
        summary = services.payment_method_set(
            user=request.user,
            payment_method=form.cleaned_data["payment_method"],
            setup_intent=form.cleaned_data["setup_intent"],
        )
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, _("Your card ending %(last4)s is saved.") % {"last4": summary.last4 or "…"}
        )
    return redirect("portal:plan")
