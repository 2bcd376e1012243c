"""The reports page: staff pick a range and a grouping and see the trend chart (with its
table), time and money, and quality, each in their scope; a client sees their month."""

import datetime
import io
import re
from decimal import Decimal

import pypdf
import pytest

from assistants.models import AssistantProfile
from billing import services
from billing.models import Invoice
from concierge.models import TaskStatus
from tests import factories
from tests.billing.helpers import at
from tests.web.checks import assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db

URL = "/app/reports/"
PDF = "/app/reports/pdf/"
SEPTEMBER = {"from": "2026-09-01", "to": "2026-09-30"}


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


def work(task, start, minutes, **fields):
    return factories.TimeEntryFactory(
        task=task,
        assistant=task.assignee,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
        **fields,
    )


@pytest.fixture
def shop(manager_user):
    """September 2026, closed: Xena works for Ada (travel and paperwork), Yuri for Bob."""
    xena = factories.AssistantFactory(first_name="Xena", last_name="Ward")
    yuri = factories.AssistantFactory(first_name="Yuri", last_name="Vance")
    AssistantProfile.objects.filter(user=xena).update(cost_rate=Decimal("30.00"))
    ada = factories.ClientFactory(first_name="Ada", last_name="Lovelace")
    bob = factories.ClientFactory(first_name="Bob", last_name="Stone")
    factories.SubscriptionFactory(client=ada, start_date=datetime.date(2026, 9, 1))
    factories.SubscriptionFactory(client=bob, start_date=datetime.date(2026, 9, 1))
    trip = factories.TaskFactory(
        client=ada,
        assignee=xena,
        title="Book the trip to Lisbon",
        category="travel",
        status=TaskStatus.COMPLETED,
        created_at=at(2026, 9, 5),
        delivered_at=at(2026, 9, 19),
        completed_at=at(2026, 9, 20),
    )
    forms = factories.TaskFactory(
        client=ada,
        assignee=xena,
        title="Renew the passport",
        status=TaskStatus.IN_PROGRESS,
        created_at=at(2026, 9, 6),
    )
    secret = factories.TaskFactory(
        client=bob,
        assignee=yuri,
        title="Bob's secret errand",
        status=TaskStatus.IN_PROGRESS,
        created_at=at(2026, 9, 8),
    )
    work(trip, at(2026, 9, 7), 90)
    work(forms, at(2026, 9, 15), 45)
    work(secret, at(2026, 9, 16), 200)
    services.billing_period_close(now=at(2026, 10, 2))
    return {"xena": xena, "yuri": yuri, "ada": ada, "bob": bob}


def rows(body, table):
    """The row headers of a table, in order."""
    section = body.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    tbody = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<th scope="row">(.*?)</th>', tbody)
    ]


def test_anonymous_goes_to_sign_in(client):
    assert_sends_to_sign_in(client.get(URL), URL)


def test_manager_sees_every_client_with_money_and_margins(web_for, manager_user, shop):
    body = assert_page(
        web_for(manager_user).get(URL, SEPTEMBER),
        "Time and money",
        "Quality of service",
        'role="img"',
        "Time logged per week, by category",
        "Invoiced",
        "Margin",
    )
    assert rows(body, "time-report") == ["Bob Stone", "Ada Lovelace"]
    ada = Invoice.objects.get(client=shop["ada"])
    assert f"{ada.total:.2f}" in body
    # Xena's 135 minutes at 30.00 an hour.
    assert "67.50" in body
    assert (
        "/api/v1/reports/time/?from=2026-09-01&amp;to=2026-09-30&amp;group_by=client&amp;format=csv"
        in body
    )
    assert rows(body, "quality-report") == ["Xena Ward", "Yuri Vance"]


def test_grouping_and_the_trend_table(web_for, manager_user, shop):
    body = assert_page(
        web_for(manager_user).get(URL, {**SEPTEMBER, "group_by": "category"}),
        "The chart as a table",
    )
    assert set(rows(body, "time-report")) == {"Travel", "Paperwork"}
    # The trend has one column per week of the range, its legend the categories.
    assert body.count("<title>2026-W") >= 1
    assert "Travel (1 h 30 min)" in body


def test_an_assistant_sees_their_own_work_without_money(web_for, shop):
    body = assert_page(web_for(shop["xena"]).get(URL, SEPTEMBER), "Your own time and work.")
    assert rows(body, "time-report") == ["Ada Lovelace"]
    assert rows(body, "quality-report") == ["Xena Ward"]
    assert "Invoiced" not in body and "Margin" not in body and "67.50" not in body
    assert "Bob" not in body


def test_a_client_sees_their_month_explained(web_for, shop):
    ada = shop["ada"]
    body = assert_page(
        web_for(ada).get(URL, {"month": "2026-09"}),
        "Your month: 2026-09",
        "Book the trip to Lisbon",
        "Renew the passport",
        "What it cost",
        "See the invoice",
    )
    invoice = Invoice.objects.get(client=ada)
    assert f"{invoice.total:.2f}" in body
    assert rows(body, "time-per-task") == ["Book the trip to Lisbon", "Renew the passport"]
    done = body.split('id="tasks-done"', 1)[1].split("</ul>", 1)[0]
    assert "Book the trip to Lisbon" in done and "Renew the passport" not in done
    # Another client's work and money are never shown.
    assert "Bob" not in body and "secret errand" not in body
    assert Invoice.objects.get(client=shop["bob"]).number not in body


def test_a_client_sees_the_allowance_left_this_month(web_for, client_user, monkeypatch):
    from django.utils import timezone

    factories.SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 10, 1))
    task = factories.TaskFactory(
        client=client_user, assignee=factories.AssistantFactory(), status=TaskStatus.IN_PROGRESS
    )
    work(task, at(2026, 10, 5), 30)
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 10, 10))
    # 120 minutes included, 30 used.
    assert_page(
        web_for(client_user).get(URL),
        "Your month: 2026-10",
        "Allowance left this month: 1 h 30 min.",
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"from": "2026-10-02", "to": "2026-10-01"},
            "The first day must be on or before the last.",
        ),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "A report covers at most 2 years."),
        ({"group_by": "planet"}, "Select a valid choice"),
    ],
)
def test_bad_ranges_are_told_beside_the_fields(web_for, manager_user, query, message):
    assert_page(web_for(manager_user).get(URL, query), message, status=400)


def test_a_bad_month_is_told(web_for, client_user):
    assert_page(web_for(client_user).get(URL, {"month": "2026-13"}), "2026-09", status=400)


def test_the_page_reads_in_a_fixed_number_of_queries(
    web_for, manager_user, shop, django_assert_num_queries
):
    web = web_for(manager_user)
    web.get(URL, SEPTEMBER)  # the session, warmed
    # The session and its user, the unread count; time and money (entries, costs, names,
    # invoices, credit notes);
    # quality (deliveries, first answers, reassignments, names); the trend (its entries,
    # the category labels).
    with django_assert_num_queries(14):
        web.get(URL, SEPTEMBER)
    for n in range(5):
        task = factories.TaskFactory(
            assignee=shop["yuri"], category=f"c{n}", status=TaskStatus.IN_PROGRESS
        )
        work(task, at(2026, 9, 20, 8 + n), 30)
    with django_assert_num_queries(14):
        web.get(URL, SEPTEMBER)


def pdf_text(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_staff_download_the_table_as_a_pdf(web_for, manager_user, shop):
    body = assert_page(web_for(manager_user).get(URL, SEPTEMBER))
    assert "/app/reports/pdf/?from=2026-09-01&amp;to=2026-09-30&amp;group_by=client" in body
    text = pdf_text(web_for(manager_user).get(PDF, {**SEPTEMBER, "group_by": "client"}))
    assert "Time and money" in text and "Ada Lovelace" in text and "Bob Stone" in text
    assert "67.50 EUR" in text  # Xena's cost for Ada
    mine = pdf_text(web_for(shop["xena"]).get(PDF, SEPTEMBER))
    assert "Ada Lovelace" in mine and "Bob" not in mine and "Margin" not in mine


def test_a_client_downloads_their_month_as_a_pdf_in_their_language(web_for, shop):
    ada = shop["ada"]
    ada.language = "fr"
    ada.save()
    web = web_for(ada)
    text = pdf_text(web.get(PDF, {"month": "2026-09"}, HTTP_ACCEPT_LANGUAGE="fr"))
    invoice = Invoice.objects.get(client=ada)
    assert "Votre mois : 2026-09" in text
    assert "Book the trip to Lisbon" in text and "secret errand" not in text
    assert f"Facture {invoice.number}" in text


def test_a_refused_pdf_is_not_found(web_for, manager_user, client):
    assert (
        web_for(manager_user).get(PDF, {"from": "2026-10-02", "to": "2026-10-01"}).status_code
        == 404
    )
    assert_sends_to_sign_in(client.get(PDF), PDF)


def test_a_long_table_shows_the_rows_with_most_time_and_says_so(
    web_for, manager_user, shop, monkeypatch
):
    monkeypatch.setattr("billing.web.report_views.SHOWN_ROWS", 2)
    web = web_for(manager_user)
    body = assert_page(web.get(URL, {**SEPTEMBER, "group_by": "task"}), "Time and money")
    assert rows(body, "time-report") == ["Bob&#x27;s secret errand", "Book the trip to Lisbon"]
    assert "The 2 rows with the most time of 3; the CSV download holds them all." in body
    french = web.get(URL, {**SEPTEMBER, "group_by": "task"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Les 2 lignes au temps le plus long sur 3" in french.content.decode()
    text = pdf_text(web.get(PDF, {**SEPTEMBER, "group_by": "task"}))
    assert "The 2 rows with the most time of 3" in text
    assert "Renew the passport" not in text
    # Short tables say nothing of it.
    assert "rows with the most time" not in web.get(URL, SEPTEMBER).content.decode()
