from django import template
from django.utils.translation import get_language

from billing.wording import line_text

register = template.Library()


@register.filter(name="line_text")
def line_text_filter(description, plan=None):
    """An invoice line's description in the reader's language (`billing.wording`); given
    the invoice's plan, its name is in that language too."""
    return line_text(str(description), plan)


@register.filter
def plan_name(plan):
    """A plan's name in the reader's language (`Plan.name_in`)."""
    return plan.name_in(get_language() or "en") if plan else ""
