"""The billing app's share of the portal: plans on the public page, the client's month
and recent invoices on the home page, an assistant's clients with their plans, and its
navigation."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import policies, selectors
from billing.web.views import month_of
from concierge import policies as concierge_policies
from concierge.models import Role
from concierge.web.registry import register_nav, register_panel

RECENT_INVOICES = 3


def public_plans(request, **page):
    return {"plans": list(selectors.plans_visible_to(request.user).filter(active=True))}


def client_month(request, **page):
    return {"month": month_of(request.user)}


def recent_invoices(request, **page):
    invoices = selectors.invoices_visible_to(request.user)[:RECENT_INVOICES]
    return {"invoices": list(invoices)}


def assistant_clients(request, **page):
    """The clients an assistant serves: name, time zone and local time, plan status."""
    clients = selectors.clients_with_plans(request.user).order_by(
        "user__first_name", "user__last_name", "user_id"
    )
    return {"clients": list(clients), "now": timezone.now()}


def register():
    register_nav(label=_("Plan"), url_name="plan", rule=policies.may_keep_own_billing, order=50)
    register_nav(
        label=_("Invoices"), url_name="invoice-list", rule=policies.may_read_invoices, order=60
    )
    register_nav(
        label=_("Clients"), url_name="clients", rule=concierge_policies.may_manage_clients, order=16
    )
    register_nav(
        label=_("Billing"),
        url_name="billing",
        rule=policies.may_manage_client_billing,
        order=65,
    )
    register_nav(label=_("Reports"), url_name="reports", rule=policies.may_read_reports, order=70)
    register_panel(
        slot="public-home",
        template="billing/web/panels/plans.html",
        context=public_plans,
        roles=None,
    )
    register_panel(
        slot="home",
        template="billing/web/panels/month.html",
        context=client_month,
        roles={Role.CLIENT},
        order=10,
    )
    register_panel(
        slot="home",
        template="billing/web/panels/invoices.html",
        context=recent_invoices,
        roles={Role.CLIENT},
        order=30,
    )
    register_panel(
        slot="home",
        template="billing/web/panels/clients.html",
        context=assistant_clients,
        roles={Role.ASSISTANT},
        order=40,
    )
