"""A time entry's row says what happened to it, to whoever reads it: a dispute's outcome
where the entry is shown, the task it is on after an in-place dispute, and only the changes
the reader may still make (an invoiced entry offers neither Edit nor Delete)."""

from assistants import services
from assistants.models import TimeEntry
from tests.web.checks import assert_fragment, assert_page


def row_of(body, entry):
    start = body.index(f'<tr id="entry-{entry.pk}"')
    return body[start : body.index("</tr>", start)]


def test_a_dispute_in_place_keeps_the_task_in_the_task_column(month, web_for):
    web = web_for(month.subscription.client)
    entry = month.disputable
    response = web.post(
        f"/app/time/{entry.pk}/dispute/",
        {"reason": "Too long", "show_task": "1"},
        HTTP_HX_REQUEST="true",
    )
    row = assert_fragment(response, "Disputed")
    assert f'href="/app/tasks/{entry.task_id}/">{entry.task.title}</a>' in row
    assert entry.note not in row


def test_an_adjusted_entry_reads_its_decision_everywhere(month, web_for, manager_user):
    entry = month.disputed
    services.time_entry_resolve(
        actor=manager_user, entry=entry, decision="adjust", billable_minutes=20
    )
    readers = (month.subscription.client, entry.assistant, manager_user)
    for reader in readers:
        for path in ("/app/time/", f"/app/tasks/{entry.task_id}/"):
            row = row_of(assert_page(web_for(reader).get(path)), entry)
            assert "20 min" in row and "adjusted" in row.lower(), (reader.role, path)
            assert "not billed yet" in row  # the decision is shown, the invoice comes later


def test_a_rejected_dispute_reads_rejected(month, web_for, manager_user):
    entry = month.disputed
    services.time_entry_resolve(actor=manager_user, entry=entry, decision="reject")
    row = row_of(assert_page(web_for(month.subscription.client).get("/app/time/")), entry)
    assert "Rejected" in row and "not billed" in row


def test_invoiced_entries_offer_no_edit_or_delete(month, web_for, manager_user):
    invoiced = TimeEntry.objects.locked().filter(task=month.tasks["completed"]).first()
    assert invoiced is not None
    open_entry = month.disputable
    for reader in (open_entry.assistant, manager_user):
        body = assert_page(web_for(reader).get("/app/time/"))
        locked_row = row_of(body, invoiced)
        assert "/edit/" not in locked_row and "/delete/" not in locked_row
        assert "Invoiced" in locked_row
        assert "/edit/" in row_of(body, open_entry)


def test_logging_time_in_place_refreshes_time_logged(month, web_for):
    import datetime

    from django.utils import timezone

    task = month.tasks["in_progress"]
    web = web_for(task.assignee)
    before = assert_page(web.get(f"/app/tasks/{task.pk}/"))
    assert '<dd id="time-logged">1 h 40 min</dd>' in before
    start = timezone.localtime(timezone.now(), task.assignee.zone) - datetime.timedelta(hours=6)
    fields = {
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
        "note": "Booked the train",
    }
    response = web.post(f"/app/tasks/{task.pk}/time/", fields, HTTP_HX_REQUEST="true")
    assert_fragment(response, '<dd id="time-logged" hx-swap-oob="true">2 h 00 min</dd>')


def test_a_task_move_in_place_refreshes_the_history(month, web_for):
    task = month.tasks["assigned"]
    web = web_for(task.assignee)
    response = web.post(f"/app/tasks/{task.pk}/start/", HTTP_HX_REQUEST="true")
    body = assert_fragment(response, 'id="status"', 'id="history"', 'hx-swap-oob="true"')
    history = body[body.index('id="history"') :]
    assert "In progress" in history


def test_stopping_the_timer_takes_a_note(month, web_for):
    task = month.tasks["in_progress"]
    web = web_for(task.assignee)
    web.post("/app/timer/start/", {"task": task.pk})
    page = assert_page(web.get(f"/app/tasks/{task.pk}/"), "What was done (optional)")
    assert 'name="note"' in page
    response = web.post("/app/timer/stop/", {"note": "Called the hotel"}, HTTP_HX_REQUEST="true")
    assert_fragment(response, "No timer running")
    entry = TimeEntry.objects.filter(task=task).order_by("-started_at").first()
    assert (entry.ended_at is not None, entry.note) == (True, "Called the hotel")
    # Without a note, as before.
    web.post("/app/timer/start/", {"task": task.pk})
    web.post("/app/timer/stop/", {})
    assert TimeEntry.objects.filter(task=task, ended_at__isnull=True).count() == 0
