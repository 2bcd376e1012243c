from django import template

from billing.wording import line_text

register = template.Library()


@register.filter(name="line_text")
def line_text_filter(description):
    """An invoice line's description in the reader's language (`billing.wording`)."""
    return line_text(str(description))
