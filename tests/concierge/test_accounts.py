"""Accounts rows of API.md: register, token, me, assistants, clients."""

import pytest

from assistants.models import AssistantProfile
from concierge.accounts.models import AccountSession
from concierge.accounts.sessions import digest_of
from concierge.models import ClientProfile, Role, User
from tests import factories
from tests.checks import assert_access_matrix, assert_error, assert_forbidden, assert_hidden

pytestmark = pytest.mark.django_db


# --- register and token ---------------------------------------------------------------------


def test_register_creates_a_client_with_a_profile(anon_api):
    response = anon_api.post(
        "/api/v1/auth/register/",
        {
            "email": "New.Person@Example.test",
            "password": "a-long-enough-secret-9",
            "first_name": "New",
            "last_name": "Person",
            "timezone": "America/New_York",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new.person@example.test"
    assert body["role"] == "client"
    assert body["timezone"] == "America/New_York"
    assert "password" not in body
    user = User.objects.get(pk=body["id"])
    assert user.check_password("a-long-enough-secret-9")
    assert ClientProfile.objects.filter(user=user).exists()


def test_register_cannot_choose_a_role(anon_api):
    response = anon_api.post(
        "/api/v1/auth/register/",
        {"email": "sneaky@example.test", "password": "a-long-enough-secret-9", "role": "manager"},
    )
    assert response.status_code == 201
    assert response.json()["role"] == "client"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": "a-long-enough-secret-9"}, "email"),
        ({"email": "not-an-email", "password": "a-long-enough-secret-9"}, "email"),
        ({"email": "x@example.test"}, "password"),
        ({"email": "x@example.test", "password": "short"}, "password"),
        (
            {
                "email": "x@example.test",
                "password": "a-long-enough-secret-9",
                "timezone": "Mars/Olympus",
            },
            "timezone",
        ),
    ],
)
def test_register_rejects_bad_input_with_field_errors(anon_api, payload, field):
    body = assert_error(anon_api.post("/api/v1/auth/register/", payload), 400, "invalid")
    assert field in body["fields"]
    assert User.objects.count() == 0


def test_register_twice_is_a_conflict(anon_api, client_user):
    response = anon_api.post(
        "/api/v1/auth/register/",
        {"email": client_user.email.upper(), "password": "a-long-enough-secret-9"},
    )
    assert_error(response, 409, "email_taken")


def test_register_rejects_a_non_json_body(anon_api):
    response = anon_api.generic(
        "POST", "/api/v1/auth/register/", "{not json", content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_token_is_issued_for_good_credentials_and_reads_me(anon_api, client_user):
    response = anon_api.post(
        "/api/v1/auth/token/", {"email": client_user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert AccountSession.objects.get(user=client_user, kind="token").digest == digest_of(token)
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = anon_api.get("/api/v1/me/").json()
    assert me == {
        "id": client_user.id,
        "email": client_user.email,
        "first_name": client_user.first_name,
        "last_name": client_user.last_name,
        "role": "client",
        "timezone": "Europe/Paris",
        "language": "",
    }


def test_token_refuses_a_wrong_password(anon_api, client_user):
    response = anon_api.post(
        "/api/v1/auth/token/", {"email": client_user.email, "password": "wrong"}
    )
    assert_error(response, 400, "invalid_credentials")


def test_a_bad_token_is_401(anon_api):
    anon_api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anon_api.get("/api/v1/me/"), 401, "authentication_failed")


def test_an_inactive_user_gets_no_token(anon_api, client_user):
    client_user.is_active = False
    client_user.save()
    response = anon_api.post(
        "/api/v1/auth/token/", {"email": client_user.email, "password": factories.PASSWORD}
    )
    assert_error(response, 400, "invalid_credentials")


# --- me ---------------------------------------------------------------------------------------


def test_me_requires_authentication(anon_api):
    assert_error(anon_api.get("/api/v1/me/"), 401, "not_authenticated")


@pytest.mark.parametrize("role", ["client", "assistant", "manager"])
def test_me_shows_each_role(api_for, role):
    user = {
        "client": factories.ClientFactory,
        "assistant": factories.AssistantFactory,
        "manager": factories.ManagerFactory,
    }[role]()
    assert api_for(user).get("/api/v1/me/").json()["role"] == role


def test_me_patch_changes_name_and_zone_but_not_role(client_api, client_user):
    response = client_api.patch(
        "/api/v1/me/", {"first_name": "Zoé", "timezone": "Asia/Tokyo", "role": "manager"}
    )
    assert response.status_code == 200
    client_user.refresh_from_db()
    assert (client_user.first_name, client_user.timezone, client_user.role) == (
        "Zoé",
        "Asia/Tokyo",
        Role.CLIENT,
    )


def test_me_patch_sets_the_language_of_ones_e_mails(client_api, client_user):
    assert client_api.get("/api/v1/me/").json()["language"] == ""  # not chosen: English
    answer = client_api.patch("/api/v1/me/", {"language": "fr"})
    assert answer.status_code == 200 and answer.json()["language"] == "fr"
    client_user.refresh_from_db()
    assert client_user.language == "fr"
    body = assert_error(client_api.patch("/api/v1/me/", {"language": "de"}), 400, "invalid")
    assert "language" in body["fields"]
    client_user.refresh_from_db()
    assert client_user.language == "fr"


def test_me_patch_rejects_an_unknown_zone(client_api):
    body = assert_error(
        client_api.patch("/api/v1/me/", {"timezone": "Nowhere/Land"}), 400, "invalid"
    )
    assert "timezone" in body["fields"]


# --- assistants -------------------------------------------------------------------------------

NEW_ASSISTANT = {
    "email": "dana@example.test",
    "password": "a-long-enough-secret-9",
    "first_name": "Dana",
    "last_name": "Ng",
    "timezone": "Asia/Manila",
    "skills": ["booking", " research", "booking"],
    "weekly_capacity_minutes": 1200,
}


def test_manager_creates_an_assistant(manager_api):
    response = manager_api.post("/api/v1/assistants/", NEW_ASSISTANT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["skills"] == ["booking", "research"]  # category codes, trimmed, once each
    assert body["weekly_capacity_minutes"] == 1200
    assert body["active"] is True
    user = User.objects.get(pk=body["id"])
    assert user.role == Role.ASSISTANT and user.timezone == "Asia/Manila"
    assert user.check_password(NEW_ASSISTANT["password"])


def test_skills_name_categories_of_the_vocabulary(manager_api):
    """A skill outside the vocabulary would never match a task: refused, nothing made."""
    response = manager_api.post(
        "/api/v1/assistants/", {**NEW_ASSISTANT, "skills": ["booking", "bookings"]}
    )
    assert_error(response, 400, "unknown_category")
    assert response.json()["fields"] == {"skills": ["Unknown category: bookings."]}
    assert not User.objects.filter(email=NEW_ASSISTANT["email"]).exists()


def test_assistants_endpoints_access_matrix(
    anon_api, client_api, assistant_api, other_assistant_user, assistant_user
):
    # A client lists only the assistants serving them (tests/concierge/test_people_terms.py).
    assert_access_matrix(
        method="get", url="/api/v1/assistants/", anonymous=anon_api, forbidden=[assistant_api]
    )
    assert_access_matrix(
        method="post",
        url="/api/v1/assistants/",
        anonymous=anon_api,
        forbidden=[client_api, assistant_api],
        data=NEW_ASSISTANT,
    )
    other = f"/api/v1/assistants/{other_assistant_user.id}/"
    assert_access_matrix(
        method="get", url=other, anonymous=anon_api, hidden=[client_api, assistant_api]
    )
    assert_access_matrix(
        method="patch",
        url=other,
        anonymous=anon_api,
        forbidden=[client_api, assistant_api],
        data={"active": False},
    )
    # An assistant reads themself.
    own = assistant_api.get(f"/api/v1/assistants/{assistant_user.id}/")
    assert own.status_code == 200 and own.json()["id"] == assistant_user.id


def test_manager_lists_and_updates_assistants(manager_api, assistant_user, other_assistant_user):
    listing = manager_api.get("/api/v1/assistants/").json()
    assert listing["count"] == 2
    assert {row["id"] for row in listing["results"]} == {assistant_user.id, other_assistant_user.id}
    response = manager_api.patch(
        f"/api/v1/assistants/{assistant_user.id}/",
        {"active": False, "skills": ["bills"], "timezone": "America/Chicago"},
    )
    assert response.status_code == 200
    profile = AssistantProfile.objects.select_related("user").get(user=assistant_user)
    assert (profile.active, profile.skills, profile.user.timezone) == (
        False,
        ["bills"],
        "America/Chicago",
    )


def test_assistant_update_rejects_an_inverted_working_day(manager_api, assistant_user):
    response = manager_api.patch(
        f"/api/v1/assistants/{assistant_user.id}/",
        {"workday_start": "18:00", "workday_end": "09:00"},
    )
    assert_error(response, 400, "invalid")


def test_assistant_create_rejects_duplicates_and_bad_values(manager_api, assistant_user):
    assert_error(
        manager_api.post("/api/v1/assistants/", {**NEW_ASSISTANT, "email": assistant_user.email}),
        409,
        "email_taken",
    )
    body = assert_error(
        manager_api.post("/api/v1/assistants/", {**NEW_ASSISTANT, "weekly_capacity_minutes": -5}),
        400,
        "invalid",
    )
    assert "weekly_capacity_minutes" in body["fields"]


def test_unknown_assistant_is_404(manager_api):
    assert_hidden(manager_api, "get", "/api/v1/assistants/999999/")


def test_assistant_list_query_count_is_constant(manager_api, django_assert_num_queries):
    factories.AssistantFactory.create_batch(3)
    with django_assert_num_queries(3):  # token with its user, count, page
        assert manager_api.get("/api/v1/assistants/").json()["count"] == 3
    factories.AssistantFactory.create_batch(20)
    with django_assert_num_queries(3):
        assert manager_api.get("/api/v1/assistants/").json()["count"] == 23


# --- clients ----------------------------------------------------------------------------------


def test_manager_sets_primary_and_backup_assistants(
    manager_api, client_user, assistant_user, other_assistant_user
):
    response = manager_api.patch(
        f"/api/v1/clients/{client_user.id}/",
        {"primary_assistant": assistant_user.id, "backup_assistant": other_assistant_user.id},
    )
    assert response.status_code == 200, response.content
    assert response.json()["primary_assistant"] == assistant_user.id
    profile = ClientProfile.objects.get(user=client_user)
    assert (profile.primary_assistant, profile.backup_assistant) == (
        assistant_user,
        other_assistant_user,
    )


def test_primary_and_backup_must_be_distinct_assistants(
    manager_api, client_user, assistant_user, other_client_user
):
    same = manager_api.patch(
        f"/api/v1/clients/{client_user.id}/",
        {"primary_assistant": assistant_user.id, "backup_assistant": assistant_user.id},
    )
    assert_error(same, 400, "invalid")
    not_assistant = manager_api.patch(
        f"/api/v1/clients/{client_user.id}/", {"primary_assistant": other_client_user.id}
    )
    body = assert_error(not_assistant, 400, "invalid")
    assert "primary_assistant" in body["fields"]


def test_assistant_sees_only_the_clients_they_serve(
    api_for, assistant_user, client_user, other_client_user, other_assistant_user
):
    ClientProfile.objects.filter(user=client_user).update(primary_assistant=assistant_user)
    ClientProfile.objects.filter(user=other_client_user).update(
        primary_assistant=other_assistant_user
    )
    served_by_task = factories.ClientFactory()
    factories.TaskFactory(client=served_by_task, assignee=assistant_user, status="assigned")
    api = api_for(assistant_user)
    listing = api.get("/api/v1/clients/").json()
    assert {row["id"] for row in listing["results"]} == {client_user.id, served_by_task.id}
    assert api.get(f"/api/v1/clients/{client_user.id}/").status_code == 200
    assert_hidden(api, "get", f"/api/v1/clients/{other_client_user.id}/")


def test_clients_endpoints_access_matrix(
    anon_api, client_api, assistant_api, client_user, other_client_user
):
    assert_access_matrix(
        method="get", url="/api/v1/clients/", anonymous=anon_api, forbidden=[client_api]
    )
    url = f"/api/v1/clients/{other_client_user.id}/"
    assert_access_matrix(
        method="get", url=url, anonymous=anon_api, forbidden=[client_api], hidden=[assistant_api]
    )
    assert_access_matrix(
        method="patch", url=url, anonymous=anon_api, forbidden=[client_api, assistant_api], data={}
    )
    # A client cannot even read their own profile here: `me/` is theirs.
    assert_forbidden(client_api, "get", f"/api/v1/clients/{client_user.id}/")


def test_client_list_query_count_is_constant(manager_api, django_assert_num_queries):
    factories.ClientFactory.create_batch(3)
    with django_assert_num_queries(2):  # token with its user, the page with its count
        assert manager_api.get("/api/v1/clients/").json()["count"] == 3
    factories.ClientFactory.create_batch(30)
    with django_assert_num_queries(2):
        assert manager_api.get("/api/v1/clients/?page_size=200").json()["count"] == 33


def test_page_size_is_capped_at_200(manager_api):
    factories.ClientFactory.create_batch(3)
    body = manager_api.get("/api/v1/clients/?page_size=1").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 1 and body["next"]
    assert_error(manager_api.get("/api/v1/clients/?page=99"), 404, "not_found")
