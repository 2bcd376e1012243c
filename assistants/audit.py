"""The assistants app's recorded actions (`concierge.audit.record`)."""

from enum import StrEnum


class Action(StrEnum):
    ASSISTANT_CHANGED = "assistant.changed"
    TIME_OFF_ENTERED = "time_off.entered"
    TIME_OFF_REMOVED = "time_off.removed"
