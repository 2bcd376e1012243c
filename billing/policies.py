"""Who may do what with plans, subscriptions, hour packs, invoices and reports: one
predicate per action, asked by the services, the API's permissions, the portal's view
decorators and navigation, and the templates' buttons (`concierge.policies` says how).

Scoping (a client's own invoices, every invoice for a manager) stays in the selectors;
whether an object's state allows the action (a paid invoice, an ended plan) is the
service's rule.
"""

from concierge.models import User


def may_keep_own_billing(user: User) -> bool:
    """A client subscribes, changes or cancels their plan, buys hour packs, keeps their
    card and their billing details."""
    return user.is_client


def may_manage_plans(user: User) -> bool:
    """The plans offered and their terms."""
    return user.is_manager


def may_manage_client_billing(user: User) -> bool:
    """A client's subscription and billing details set for them, the seller's details,
    the period's close, invoices marked paid and credit notes settled."""
    return user.is_manager


def may_read_invoices(user: User) -> bool:
    """Invoices, credit notes and usage: a client their own, a manager everyone's."""
    return user.is_client or user.is_manager


def may_see_money(user: User) -> bool:
    """Amounts in reports: a client what they pay, a manager everything; an assistant
    sees time, never money."""
    return user.is_client or user.is_manager


def may_see_margins(user: User) -> bool:
    """Assistants' costs and the margins they leave."""
    return user.is_manager


def may_read_reports(user: User) -> bool:
    """Every role reads the reports of its own scope."""
    return user.is_authenticated


USER_RULES = {
    "keep_own_billing": may_keep_own_billing,
    "manage_plans": may_manage_plans,
    "manage_client_billing": may_manage_client_billing,
    "read_invoices": may_read_invoices,
    "see_money": may_see_money,
    "see_margins": may_see_margins,
    "read_reports": may_read_reports,
}
