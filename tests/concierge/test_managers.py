"""Managers need not be superusers: the managers group carries the admin permissions a
manager needs, `create_manager` and the admin make such managers, and `createsuperuser`
still makes an operator who is also a manager."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from concierge.models import Role, User
from concierge.services import MANAGERS_GROUP
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_manager(client):
    call_command("create_manager", email="boss@example.test", password="a-long-enough-secret-9")
    user = User.objects.get(email="boss@example.test")
    client.force_login(user)
    return user


def test_the_managers_group_has_the_permissions_managers_need():
    perms = set(
        Group.objects.get(name=MANAGERS_GROUP).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert {("concierge", "change_task"), ("billing", "change_invoice")} <= perms
    assert ("assistants", "view_timeentry") in perms
    # Never: deleting invoices or time entries, reading CalDAV passwords, API token keys.
    assert ("billing", "delete_invoice") not in perms
    assert ("assistants", "delete_timeentry") not in perms
    assert not any(app == "authtoken" for app, _ in perms)
    assert not any(code.endswith("caldavaccount") for _, code in perms)


def test_create_manager_makes_a_manager_who_is_not_a_superuser(admin_manager, client):
    assert admin_manager.role == Role.MANAGER
    assert admin_manager.is_staff and not admin_manager.is_superuser
    assert admin_manager.groups.filter(name=MANAGERS_GROUP).exists()
    assert admin_manager.check_password("a-long-enough-secret-9")
    assert client.get("/admin/concierge/task/").status_code == 200
    assert client.get("/admin/billing/invoice/").status_code == 200
    assert client.get("/admin/calendar_sync/caldavaccount/").status_code == 403
    assert client.get("/admin/authtoken/tokenproxy/").status_code in (403, 404)


def test_create_manager_refuses_a_weak_password():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_manager", email="weak@example.test", password="123")
    assert not User.objects.filter(email="weak@example.test").exists()


def test_a_manager_cannot_raise_their_own_privileges(admin_manager, client):
    page = f"/admin/concierge/user/{admin_manager.pk}/change/"
    form = {
        "email": admin_manager.email,
        "first_name": "Boss",
        "last_name": "",
        "role": "manager",
        "timezone": "UTC",
        "is_active": "on",
        "is_superuser": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    answer = client.post(page, form)
    assert answer.status_code == 302, answer.content[:500]
    admin_manager.refresh_from_db()
    assert admin_manager.first_name == "Boss"
    assert not admin_manager.is_superuser


def test_a_manager_cannot_edit_an_operator(admin_manager, client):
    operator = User.objects.create_superuser("root@example.test", "a-long-enough-secret-9")
    page = client.get(f"/admin/concierge/user/{operator.pk}/change/")
    assert page.status_code == 200 and b"View user" in page.content  # read-only
    answer = client.post(
        f"/admin/concierge/user/{operator.pk}/password/",
        {"password1": "taken-over-9876", "password2": "taken-over-9876"},
    )
    assert answer.status_code == 403
    operator.refresh_from_db()
    assert operator.check_password("a-long-enough-secret-9")


NEW_PERSON = {
    "email": "second@example.test",
    "password1": "a-long-enough-secret-9",
    "password2": "a-long-enough-secret-9",
}


def test_a_manager_cannot_hand_out_the_manager_role(admin_manager, client):
    """The role carries admin access, so only operators give it (or take it away)."""
    answer = client.post("/admin/concierge/user/add/", {**NEW_PERSON, "role": "manager"})
    assert answer.status_code == 200  # the form again, with the choice refused
    assert b"Select a valid choice" in answer.content
    assert not User.objects.filter(email=NEW_PERSON["email"]).exists()

    assistant = factories.AssistantFactory()
    form = {
        "email": assistant.email,
        "first_name": "",
        "last_name": "",
        "role": "manager",
        "timezone": "UTC",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    answer = client.post(f"/admin/concierge/user/{assistant.pk}/change/", form)
    assert answer.status_code == 200 and b"Select a valid choice" in answer.content
    assistant.refresh_from_db()
    assert assistant.role == Role.ASSISTANT and not assistant.is_staff

    # Another manager's role is not theirs to change either: shown, not editable.
    other = factories.ManagerFactory()
    page = client.get(f"/admin/concierge/user/{other.pk}/change/")
    assert b'name="role"' not in page.content
    answer = client.post(
        f"/admin/concierge/user/{other.pk}/change/",
        {**form, "email": other.email, "role": "client"},
    )
    assert answer.status_code == 302, answer.content[:500]
    other.refresh_from_db()
    assert other.role == Role.MANAGER


def test_an_operator_makes_a_manager_from_the_role(client):
    operator = User.objects.create_superuser("root@example.test", "a-long-enough-secret-9")
    client.force_login(operator)
    answer = client.post("/admin/concierge/user/add/", {**NEW_PERSON, "role": "manager"})
    assert answer.status_code == 302, answer.content[:500]
    made = User.objects.get(email="second@example.test")
    assert made.is_staff and not made.is_superuser
    assert made.groups.filter(name=MANAGERS_GROUP).exists()
    # Demoted to assistant: out of the group and the admin.
    factories.AssistantProfileFactory(user=made)
    made.role = Role.ASSISTANT
    made.save()
    from concierge.services import user_staff_sync

    user_staff_sync(user=made)
    made.refresh_from_db()
    assert not made.is_staff and not made.groups.exists()


def test_createsuperuser_makes_an_operator_who_is_a_manager():
    call_command("createsuperuser", email="op@example.test", interactive=False, verbosity=0)
    operator = User.objects.get(email="op@example.test")
    assert operator.is_superuser and operator.is_staff and operator.role == Role.MANAGER
    assert operator.groups.filter(name=MANAGERS_GROUP).exists()
