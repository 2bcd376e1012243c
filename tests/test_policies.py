"""The policy table: who may do what, by role, as every app's policies say — one place the
API's permissions, the portal's pages and navigation, and the services all ask."""

import pytest
from django.contrib.auth.models import AnonymousUser

from concierge import policies
from concierge.models import Role, User

C, A, M = Role.CLIENT, Role.ASSISTANT, Role.MANAGER

# The rules that need no object, by role. A change here is a change of who may do what:
# it must be meant.
TABLE = {
    # The core domain (concierge/policies.py).
    "create_task": {C},
    "assign_task": {M},
    "manage_clients": {M},
    "manage_categories": {M},
    "read_audit_log": {M},
    "keep_vault": {C},
    "open_vault": {C, A},
    "export_data": {C, A, M},
    "erase_self": {C},
    # Time, time off, the team and briefs (assistants/policies.py).
    "write_time": {A, M},
    "track_own_time": {A},
    "dispute_time": {C},
    "resolve_entry": {M},
    "manage_time_off": {M},
    "manage_assistants": {M},
    "see_team": {M},
    "keep_own_brief": {C},
    # Billing and reports (billing/policies.py).
    "keep_own_billing": {C},
    "manage_plans": {M},
    "manage_client_billing": {M},
    "read_invoices": {C, M},
    "see_money": {C, M},
    "see_margins": {M},
    "read_reports": {C, A, M},
    # Calendars (calendar_sync/policies.py).
    "keep_calendars": {C, A, M},
    "read_availability": {A, M},
}


def test_the_policy_table_is_what_the_policies_say():
    people = {role: User(role=role) for role in Role}
    found = {
        name: {role for role, person in people.items() if policies.may(person, name)}
        for name in policies.USER_RULES
    }
    assert found == TABLE


def test_the_moves_of_a_task_are_the_assignees_the_clients_or_a_managers():
    from concierge.models import Task

    client, other_client = User(pk=1, role=C), User(pk=2, role=C)
    assistant, other_assistant = User(pk=3, role=A), User(pk=4, role=A)
    manager = User(pk=5, role=M)
    task = Task(client_id=1, assignee_id=3)
    movers = {
        action: {
            name
            for name, person in {
                "client": client,
                "other client": other_client,
                "assignee": assistant,
                "other assistant": other_assistant,
                "manager": manager,
            }.items()
            if policies.may_move_task(person, task, action)
        }
        for action in policies.TASK_MOVES
    }
    assert movers == {
        "start": {"assignee"},
        "wait": {"assignee"},
        "deliver": {"assignee"},
        "accept": {"client"},
        "request_revision": {"client"},
        "cancel": {"client", "manager"},
    }


def test_nobody_anonymous_may_anything():
    assert not any(policies.may(AnonymousUser(), name) for name in policies.USER_RULES)


def test_an_unknown_rule_is_an_error_not_a_refusal():
    with pytest.raises(KeyError):
        policies.may(User(role=M), "fly")


def test_a_rule_name_is_taken_once():
    policies.register_user_rules({"read_audit_log": policies.may_read_audit_log})  # the same
    with pytest.raises(ValueError, match="read_audit_log"):
        policies.register_user_rules({"read_audit_log": policies.may_keep_vault})
