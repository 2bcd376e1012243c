"""The service's reasons for an assignment or a flag are stored in English and read in the
reader's language; a person's own words are shown as written."""

import pytest
from django.utils import translation

from concierge.reasons import reason_text

REASONS = [
    ("primary assistant", "assistant principal"),
    ("least-loaded skilled assistant", "assistant compétent le moins chargé"),
    (
        "nobody free takes the category “bookings” right now",
        "personne de libre ne prend la catégorie « bookings » pour l’instant",  # noqa: RUF001
    ),
    (
        "Ana Lopez is on time off from 4 Jan to 8 Jan (Europe/Madrid); "
        "moved to the backup assistant",
        "Ana Lopez est absent du 4 Jan au 8 Jan (Europe/Madrid) ; confiée à l’assistant de secours",  # noqa: RUF001
    ),
    (
        "Ivo Petrov is no longer active; nobody free with the skill",
        "Ivo Petrov n’est plus en activité ; personne de libre avec la compétence",  # noqa: RUF001
    ),
    ("The client asked for Ana", "The client asked for Ana"),
]


@pytest.mark.parametrize(("stored", "french"), REASONS)
def test_reasons_read_in_french(stored, french):
    with translation.override("fr"):
        assert reason_text(stored) == french
    with translation.override("en"):
        assert reason_text(stored) == stored


@pytest.mark.django_db
def test_the_task_history_gives_the_reason_in_the_readers_language(client):
    from tests import factories

    primary = factories.AssistantFactory()
    reader = factories.ClientFactory(language="fr")
    reader.client_profile.primary_assistant = primary
    reader.client_profile.save()
    from concierge import services

    task = services.task_create(client=reader, title="Renouveler le passeport")
    assert task.assignee == primary
    client.force_login(reader)
    page = client.get(f"/app/tasks/{task.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "“assistant principal”" in page
    assert "primary assistant" not in page
