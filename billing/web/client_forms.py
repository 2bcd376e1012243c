from django import forms
from django.utils.translation import gettext_lazy as _

from assistants.assignment import open_load_minutes
from assistants.models import AssistantProfile
from concierge.templatetags.portal import minutes


class AssistantChoiceField(forms.ModelChoiceField):
    """An assistant, named with the room left in their week (capacity less open work)."""

    def __init__(self, *args, room, **kwargs):
        super().__init__(*args, **kwargs)
        self.room = room

    def label_from_instance(self, obj):
        capacity, load = self.room.get(obj.pk, (0, 0))
        return _("%(name)s — %(free)s free of %(capacity)s a week") % {
            "name": obj.full_name,
            "free": minutes(max(capacity - load, 0)),
            "capacity": minutes(capacity),
        }


class ClientAssistantsForm(forms.Form):
    """Who serves the client first, and who stands in."""

    def __init__(self, *args, assistants, **kwargs):
        super().__init__(*args, **kwargs)
        ids = list(assistants.values_list("pk", flat=True))
        capacity = dict(
            AssistantProfile.objects.filter(user_id__in=ids).values_list(
                "user_id", "weekly_capacity_minutes"
            )
        )
        load = open_load_minutes(ids)
        room = {pk: (capacity.get(pk, 0), load[pk]) for pk in ids}
        for name, label in (
            ("primary_assistant", _("Primary assistant")),
            ("backup_assistant", _("Backup assistant")),
        ):
            self.fields[name] = AssistantChoiceField(
                label=label,
                queryset=assistants,
                required=False,
                empty_label=_("Nobody"),
                room=room,
            )
