"""Assistant profiles: creating an assistant (the person and their profile) and changing
their skills, capacity and working hours."""

from collections.abc import Iterable
from datetime import time
from typing import Any

from django.db import transaction

from assistants.audit import Action
from assistants.handover import deactivation_hand_over
from assistants.models import (
    AssistantProfile,
)
from concierge import audit, categories
from concierge.models import Role, User
from concierge.services import user_create, user_update


def _clean_skills(skills: Iterable[str]) -> list[str]:
    """Skills name categories of the vocabulary (their codes), so a task always finds the
    assistants who take its category."""
    return categories.validated_many(skills)


@transaction.atomic
def assistant_create(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    timezone: str = "UTC",
    skills: list[str] | None = None,
    weekly_capacity_minutes: int = 40 * 60,
    active: bool = True,
    workday_start: time | None = None,
    workday_end: time | None = None,
    working_days: list[int] | None = None,
) -> AssistantProfile:
    user = user_create(
        email=email,
        password=password,
        role=Role.ASSISTANT,
        first_name=first_name,
        last_name=last_name,
        timezone=timezone,
    )
    profile = AssistantProfile(
        user=user,
        skills=_clean_skills(skills or []),
        weekly_capacity_minutes=weekly_capacity_minutes,
        active=active,
    )
    # Unset working hours keep the model's defaults (09:00-17:00, Monday to Friday).
    for name, value in (
        ("workday_start", workday_start),
        ("workday_end", workday_end),
        ("working_days", working_days),
    ):
        if value is not None:
            setattr(profile, name, value)
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile


PERSON_FIELDS = ("first_name", "last_name", "timezone")
PROFILE_FIELDS = (
    "skills",
    "weekly_capacity_minutes",
    "active",
    "workday_start",
    "workday_end",
    "working_days",
)


def _assistant_snapshot(profile: AssistantProfile) -> dict[str, Any]:
    return {
        **audit.snapshot(profile.user, PERSON_FIELDS),
        **audit.snapshot(profile, PROFILE_FIELDS),
    }


@transaction.atomic
def assistant_update(
    *, profile: AssistantProfile, actor: User | None = None, **fields: Any
) -> AssistantProfile:
    """Edit an assistant; deactivating one moves all their open work on."""
    profile = AssistantProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    was_active = profile.active
    before = _assistant_snapshot(profile)
    user_update(
        user=profile.user,
        **{k: v for k, v in fields.items() if k in ("first_name", "last_name", "timezone")},
    )
    if "skills" in fields:
        profile.skills = _clean_skills(fields["skills"])
    for name in (
        "weekly_capacity_minutes",
        "active",
        "workday_start",
        "workday_end",
        "working_days",
    ):
        if name in fields:
            setattr(profile, name, fields[name])
    profile.full_clean(exclude=["user"])
    profile.save()
    if changes := audit.changes_of(before, _assistant_snapshot(profile)):
        audit.record(
            actor=actor,
            action=Action.ASSISTANT_CHANGED,
            target=profile.user,  # the assistant, by the id the API knows them by
            changes=changes,
            about=profile.user,
        )
    if was_active and not profile.active:
        deactivation_hand_over(assistant=profile.user, actor=actor)
    return profile
