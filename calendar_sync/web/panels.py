from django.utils.translation import gettext_lazy as _

from concierge.web.registry import register_nav


def register():
    register_nav(label=_("Calendar"), url_name="calendar", order=70)
