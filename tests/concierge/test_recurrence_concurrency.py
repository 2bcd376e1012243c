"""Two runs of the recurrence job at the same moment create each occurrence once."""

import datetime

import pytest

from concierge import services
from concierge.models import Task
from tests import factories
from tests.peers import race

UTC = datetime.UTC


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_create_each_occurrence_once():
    client = factories.ClientFactory(timezone="America/New_York")
    template = services.task_create(
        client=client,
        title="Daily inbox sweep",
        requested_due_at=datetime.datetime(2026, 10, 30, 12, 0, tzinfo=UTC),
        recurrence="FREQ=DAILY",
    )
    now = datetime.datetime(2026, 10, 29, 12, 0, tzinfo=UTC)
    outcomes = race(
        *[lambda: services.task_recurrence_extend(template_id=template.pk, now=now)] * 4
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    results = [len(created) for created in outcomes]
    occurrences = list(
        Task.objects.filter(recurrence_parent=template)
        .order_by("occurrence_at")
        .values_list("occurrence_at", flat=True)
    )
    assert sum(results) == len(occurrences) == 12
    assert len(set(occurrences)) == len(occurrences)
    # 08:00 in New York: 12:00 UTC under EDT, 13:00 UTC under EST (from 1 November 2026).
    assert occurrences[0] == datetime.datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    assert occurrences[1] == datetime.datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
    assert all(o.hour == 13 for o in occurrences[1:])
