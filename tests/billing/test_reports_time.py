"""The time and money report: minutes and invoiced amounts that reconcile with the invoices
of a worked period, each role's scope, the reader's zone, bad ranges, CSV, query counts."""

import csv
import datetime
import io
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db.models import F, Sum

from assistants.models import TimeEntry, TimeEntryStatus
from assistants.services import time_entry_credit
from billing import services
from billing.models import Invoice, InvoicedEntry, InvoiceStatus
from concierge.models import Category, TaskStatus
from tests import factories
from tests.billing.helpers import at, hourly_plan
from tests.checks import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/time/"
QUARTER = {"from": "2026-09-01", "to": "2026-11-30"}
IN_QUARTER = {
    "started_at__gte": datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
    "started_at__lt": datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    "ended_at__isnull": False,
}
DEC_2 = at(2026, 12, 2)


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
def office(manager_user):
    """BILLING.md's worked example for Ada (two assistants share her work), an hourly
    client Bob with time of every kind, and Cy, whom nobody else may see. Closed through
    November 2026."""
    # The vocabulary has travel ("Travel", "Voyages") and admin ("Paperwork").
    assert Category.objects.filter(code__in=("travel", "admin")).count() == 2
    xena = factories.AssistantFactory(first_name="Xena", last_name="Ward")
    yuri = factories.AssistantFactory(first_name="Yuri", last_name="Vance")
    ada = factories.ClientFactory(first_name="Ada", last_name="Lovelace")
    bob = factories.ClientFactory(first_name="Bob", last_name="Stone")
    cy = factories.ClientFactory(first_name="Cy", last_name="Other")
    factories.SubscriptionFactory(client=ada, start_date=datetime.date(2026, 9, 16))
    factories.SubscriptionFactory(
        client=bob, plan=hourly_plan("30.00"), start_date=datetime.date(2026, 10, 1)
    )
    factories.SubscriptionFactory(
        client=cy, plan=hourly_plan("60.00"), start_date=datetime.date(2026, 10, 1)
    )
    task = factories.TaskFactory
    ada_x = task(client=ada, assignee=xena, status=TaskStatus.IN_PROGRESS, title="Visa")
    ada_y = task(
        client=ada, assignee=yuri, status=TaskStatus.IN_PROGRESS, category="travel", title="Trip"
    )
    bob_y = task(client=bob, assignee=yuri, status=TaskStatus.IN_PROGRESS, title="Taxes")
    cy_x = task(client=cy, assignee=xena, status=TaskStatus.IN_PROGRESS, title="Secret")
    # Ada: 50, 7, 31 in September; 40, 20 in October; 600, 90 and 60 adjusted to 10 in
    # November (the worked example: 120, 75 and 700 billed minutes).
    work(ada_x, at(2026, 9, 17), 50)
    work(ada_y, at(2026, 9, 18), 7)
    work(ada_x, at(2026, 9, 21), 31)
    work(ada_x, at(2026, 10, 5), 40)
    work(ada_y, at(2026, 10, 6), 20)
    work(ada_x, at(2026, 11, 2, 8), 600)
    work(ada_y, at(2026, 11, 3), 90)
    work(ada_x, at(2026, 11, 4), 60, billable_minutes_override=10)
    # Bob: 100 billable, 30 not billable, 45 under dispute, 20 rejected in October.
    work(bob_y, at(2026, 10, 7), 100)
    work(bob_y, at(2026, 10, 8), 30, billable=False)
    work(bob_y, at(2026, 10, 9), 45, status=TimeEntryStatus.DISPUTED)
    work(bob_y, at(2026, 10, 12), 20, status=TimeEntryStatus.REJECTED)
    # Cy: an hour in October.
    work(cy_x, at(2026, 10, 13), 60)
    services.billing_period_close(now=DEC_2)
    return {"xena": xena, "yuri": yuri, "ada": ada, "bob": bob, "cy": cy, "ada_x": ada_x}


def invoiced(client, first="2026-09-01", last="2026-11-30"):
    """What the client's issued invoices of periods starting in the days total."""
    return Invoice.objects.filter(
        client=client,
        status__in=(InvoiceStatus.OPEN, InvoiceStatus.PAID),
        period_start__gte=first,
        period_start__lte=last,
    ).aggregate(total=Sum("total"))["total"] or Decimal("0.00")


def invoiced_excl_tax(client, first="2026-09-01", last="2026-11-30"):
    return Invoice.objects.filter(
        client=client,
        status__in=(InvoiceStatus.OPEN, InvoiceStatus.PAID),
        period_start__gte=first,
        period_start__lte=last,
    ).aggregate(total=Sum("total_excl_tax"))["total"] or Decimal("0.00")


def billed(client):
    return InvoicedEntry.objects.filter(invoice__client=client).aggregate(
        minutes=Sum("billed_minutes")
    )["minutes"]


def rows_by(body, key):
    return {row[key]: row for row in body["results"]}


def test_by_client_reconciles_with_the_invoices_to_the_cent(manager_api, office):
    response = manager_api.get(URL, QUARTER)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"], body["group_by"]) == ("2026-09-01", "2026-11-30", "client")
    assert body["start"] == "2026-09-01T00:00:00+02:00"
    assert body["end"] == "2026-12-01T00:00:00+01:00"
    rows = rows_by(body, "client")
    ada, bob, cy = (rows[office[name].pk] for name in ("ada", "bob", "cy"))
    assert ada["label"] == "Ada Lovelace"
    assert (ada["logged_minutes"], ada["billable_minutes"], ada["billed_minutes"]) == (
        898,
        848,
        895,
    )
    assert ada["billed_minutes"] == billed(office["ada"]) == 120 + 75 + 700
    assert (ada["non_billable_minutes"], ada["disputed_minutes"]) == (0, 0)
    assert (bob["logged_minutes"], bob["billable_minutes"], bob["billed_minutes"]) == (
        195,
        100,
        100,
    )
    assert (bob["non_billable_minutes"], bob["disputed_minutes"]) == (50, 45)
    assert ada["entries"] == 8 and bob["entries"] == 4
    for name, row in (("ada", ada), ("bob", bob), ("cy", cy)):
        assert Decimal(row["invoiced_amount"]) == invoiced(office[name]), name
        assert row["currency"] == "EUR"
    assert ada["invoices"] == 3 and bob["invoices"] == 2
    everyone = Invoice.objects.filter(status__in=(InvoiceStatus.OPEN, InvoiceStatus.PAID))
    totals = body["totals"]
    assert Decimal(totals["invoiced_amount"]) == everyone.aggregate(t=Sum("total"))["t"]
    assert Decimal(totals["invoiced_amount"]) == sum(
        Decimal(row["invoiced_amount"]) for row in body["results"]
    )
    assert totals["billed_minutes"] == InvoicedEntry.objects.aggregate(m=Sum("billed_minutes"))["m"]
    assert totals["logged_minutes"] == 898 + 195 + 60
    assert totals["rows"] == body["count"] == 3
    # Most time first.
    assert [row["client"] for row in body["results"]] == [
        office["ada"].pk,
        office["bob"].pk,
        office["cy"].pk,
    ]


def test_by_month_puts_each_invoice_in_its_period(manager_api, office):
    body = manager_api.get(URL, {**QUARTER, "group_by": "month"}).json()
    assert [row["period"] for row in body["results"]] == ["2026-09", "2026-10", "2026-11"]
    sep, oct_, _nov = body["results"]
    assert (sep["period_start"], sep["period_end"]) == ("2026-09-01", "2026-09-30")
    assert sep["logged_minutes"] == 88 and oct_["logged_minutes"] == 60 + 195 + 60
    for row in body["results"]:
        month = row["period_start"]
        expected = sum(
            (invoiced(office[n], month, row["period_end"]) for n in ("ada", "bob", "cy")),
            Decimal("0.00"),
        )
        assert Decimal(row["invoiced_amount"]) == expected
    assert sum(Decimal(r["invoiced_amount"]) for r in body["results"]) == Decimal(
        body["totals"]["invoiced_amount"]
    )


def test_by_week_lists_every_week_of_the_range_even_empty_ones(manager_api, office):
    body = manager_api.get(URL, {"from": "2026-09-01", "to": "2026-09-30", "group_by": "week"})
    rows = body.json()["results"]
    assert [row["period"] for row in rows] == [f"2026-W{n}" for n in range(36, 41)]
    # The first and last weeks are cut to the range.
    assert rows[0]["period_start"] == "2026-09-01" and rows[-1]["period_end"] == "2026-09-30"
    assert [row["logged_minutes"] for row in rows] == [0, 0, 57, 31, 0]
    # September's invoice is counted in the week its period starts.
    assert Decimal(rows[0]["invoiced_amount"]) == invoiced(
        office["ada"], "2026-09-01", "2026-09-30"
    )


def test_by_assistant_shows_time_but_no_invoice_to_split(manager_api, office):
    body = manager_api.get(URL, {**QUARTER, "group_by": "assistant"}).json()
    rows = rows_by(body, "assistant")
    xena, yuri = rows[office["xena"].pk], rows[office["yuri"].pk]
    assert xena["label"] == "Xena Ward"
    assert xena["logged_minutes"] == 50 + 31 + 40 + 600 + 60 + 60
    assert yuri["logged_minutes"] == 7 + 20 + 90 + 195
    assert xena["invoiced_amount"] is None and "invoices" not in xena
    # The totals still carry the invoices of the range.
    assert Decimal(body["totals"]["invoiced_amount"]) > 0


def test_by_category_reads_the_labels_in_the_readers_language(manager_api, office):
    body = manager_api.get(URL, {**QUARTER, "group_by": "category"}).json()
    rows = rows_by(body, "category")
    assert rows["admin"]["label"] == "Paperwork"
    assert rows["travel"]["label"] == "Travel"
    assert rows["travel"]["logged_minutes"] == 7 + 20 + 90
    french = manager_api.get(
        URL, {**QUARTER, "group_by": "category"}, HTTP_ACCEPT_LANGUAGE="fr"
    ).json()
    assert rows_by(french, "category")["travel"]["label"] == "Voyages"


def test_by_task_names_the_task_its_client_and_category(manager_api, office):
    body = manager_api.get(URL, {**QUARTER, "group_by": "task"}).json()
    row = rows_by(body, "task")[office["ada_x"].pk]
    assert (row["label"], row["client"], row["category"]) == ("Visa", office["ada"].pk, "admin")
    assert row["logged_minutes"] == 50 + 31 + 40 + 600 + 60
    assert row["invoiced_amount"] is None


def test_filters_narrow_the_time_and_drop_what_cannot_be_split(manager_api, office):
    body = manager_api.get(URL, {**QUARTER, "client": office["bob"].pk}).json()
    assert [row["client"] for row in body["results"]] == [office["bob"].pk]
    assert Decimal(body["totals"]["invoiced_amount"]) == invoiced(office["bob"])
    by_assistant = manager_api.get(URL, {**QUARTER, "assistant": office["xena"].pk}).json()
    assert by_assistant["totals"]["logged_minutes"] == 50 + 31 + 40 + 600 + 60 + 60
    assert by_assistant["totals"]["invoiced_amount"] is None
    travel = manager_api.get(URL, {**QUARTER, "category": "travel", "group_by": "task"}).json()
    assert {row["label"] for row in travel["results"]} == {"Trip"}


def test_a_client_reads_their_own_account_only(api_for, office):
    ada = api_for(office["ada"])
    body = ada.get(URL, QUARTER).json()
    assert [row["client"] for row in body["results"]] == [office["ada"].pk]
    assert Decimal(body["totals"]["invoiced_amount"]) == invoiced(office["ada"])
    assert body["totals"]["logged_minutes"] == 898
    # By assistant: who worked for them, and only on their tasks.
    by_assistant = rows_by(ada.get(URL, {**QUARTER, "group_by": "assistant"}).json(), "assistant")
    assert by_assistant[office["xena"].pk]["logged_minutes"] == 50 + 31 + 40 + 600 + 60
    # Asking for another client's account finds nothing of it.
    other = ada.get(URL, {**QUARTER, "client": office["cy"].pk}).json()
    assert other["results"] == []
    assert other["totals"]["logged_minutes"] == 0
    assert Decimal(other["totals"]["invoiced_amount"]) == 0


def test_an_assistant_reads_their_own_time_and_no_money(api_for, office):
    xena = api_for(office["xena"])
    body = xena.get(URL, QUARTER).json()
    rows = rows_by(body, "client")
    assert set(rows) == {office["ada"].pk, office["cy"].pk}
    assert rows[office["ada"].pk]["logged_minutes"] == 50 + 31 + 40 + 600 + 60
    assert all(row["invoiced_amount"] is None for row in body["results"])
    assert "invoiced_amount" not in body["totals"] or body["totals"]["invoiced_amount"] is None
    by_assistant = xena.get(URL, {**QUARTER, "group_by": "assistant"}).json()
    assert [row["assistant"] for row in by_assistant["results"]] == [office["xena"].pk]
    # Filtering on a colleague shows nothing of theirs.
    colleague = xena.get(URL, {**QUARTER, "assistant": office["yuri"].pk}).json()
    assert colleague["results"] == [] and colleague["totals"]["logged_minutes"] == 0


def test_anonymous_is_refused(anon_api):
    assert_error(anon_api.get(URL, QUARTER), 401, "not_authenticated")


def test_days_are_read_in_the_readers_zone(api_for, manager_user):
    task = factories.TaskFactory(
        assignee=factories.AssistantFactory(), status=TaskStatus.IN_PROGRESS
    )
    # 30 September 23:30 UTC: 1 October in Paris (UTC+2) and in Tokyo, 30 September in
    # New York.
    work(task, datetime.datetime(2026, 9, 30, 23, 30, tzinfo=datetime.UTC), 15)
    october = {"from": "2026-10-01", "to": "2026-10-31"}
    for zone, minutes in (("Europe/Paris", 15), ("Asia/Tokyo", 15), ("America/New_York", 0)):
        manager_user.timezone = zone
        manager_user.save()
        body = api_for(manager_user).get(URL, october).json()
        assert body["totals"]["logged_minutes"] == minutes, zone
        assert body["time_zone"] == zone


def test_a_range_holding_a_clock_change_is_cut_at_local_midnights(manager_api):
    task = factories.TaskFactory(
        assignee=factories.AssistantFactory(), status=TaskStatus.IN_PROGRESS
    )
    # Paris leaves summer time on Sunday 25 October 2026: that day lasts 25 hours.
    work(task, datetime.datetime(2026, 10, 25, 22, 59, tzinfo=datetime.UTC), 1)  # 23:59
    work(task, datetime.datetime(2026, 10, 25, 23, 0, tzinfo=datetime.UTC), 2)  # 00:00 on 26th
    body = manager_api.get(URL, {"from": "2026-10-25", "to": "2026-10-25"}).json()
    assert body["start"] == "2026-10-25T00:00:00+02:00"
    assert body["end"] == "2026-10-26T00:00:00+01:00"
    assert body["totals"]["logged_minutes"] == 1


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"from": "2026-10-02", "to": "2026-10-01"}, "invalid_range", "range"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "range_too_long", "range"),
        ({"from": "2026-02-30"}, "invalid_date", "from"),
        ({"to": "yesterday"}, "invalid_date", "to"),
        ({"from": "0001-01-01"}, "invalid_date", "from"),
        ({"to": "9999-12-31"}, "invalid_date", "to"),
        ({"group_by": "planet"}, "invalid_group_by", "group_by"),
        ({"client": "abc"}, "invalid_filter", "client"),
        ({"assistant": "-1"}, "invalid_filter", "assistant"),
        ({"category": "x" * 65}, "invalid_filter", "category"),
    ],
)
def test_bad_parameters_are_refused_with_their_code(manager_api, query, code, field):
    body = assert_error(manager_api.get(URL, query), 400, code)
    assert field in body["fields"]


def test_two_years_is_the_longest_range(manager_api):
    assert manager_api.get(URL, {"from": "2024-01-01", "to": "2025-12-31"}).status_code == 200
    assert manager_api.get(URL, {"from": "2024-02-29", "to": "2026-02-28"}).status_code == 200
    assert_error(
        manager_api.get(URL, {"from": "2024-02-29", "to": "2026-03-01"}), 400, "range_too_long"
    )
    one_day = manager_api.get(URL, {"from": "2026-10-01", "to": "2026-10-01"})
    assert one_day.status_code == 200


def test_defaults_to_the_current_month_and_fills_the_missing_end(manager_api, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(2026, 2, 14))
    body = manager_api.get(URL).json()
    assert (body["from"], body["to"]) == ("2026-02-01", "2026-02-28")
    body = manager_api.get(URL, {"from": "2026-04-10"}).json()
    assert (body["from"], body["to"]) == ("2026-04-10", "2026-04-30")
    body = manager_api.get(URL, {"to": "2026-06-03"}).json()
    assert (body["from"], body["to"]) == ("2026-06-01", "2026-06-03")


def test_csv_holds_every_row_and_the_totals(manager_api, office):
    office["ada"].first_name = "=HYPERLINK(1)"
    office["ada"].save()
    json_body = manager_api.get(URL, {**QUARTER, "page_size": 1}).json()
    assert json_body["count"] == 3 and len(json_body["results"]) == 1
    response = manager_api.get(URL, {**QUARTER, "format": "csv", "page_size": 1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "time-report-2026-09-01-2026-11-30.csv" in response["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(lines) == 4
    *rows, totals = lines
    full = manager_api.get(URL, QUARTER).json()
    for line, row in zip(rows, full["results"], strict=True):
        assert line["client"] == str(row["client"])
        assert line["logged_minutes"] == str(row["logged_minutes"])
        assert line["invoiced_amount"] == row["invoiced_amount"]
    assert rows[0]["label"].startswith("'=")
    assert totals["label"] == "total"
    assert totals["invoiced_amount"] == full["totals"]["invoiced_amount"]
    assert totals["billed_minutes"] == str(full["totals"]["billed_minutes"])


def test_csv_errors_are_json(manager_api):
    response = manager_api.get(URL, {"format": "csv", "from": "2026-10-02", "to": "2026-10-01"})
    assert_error(response, 400, "invalid_range")


def _more_work(clients, per_client):
    assistant = factories.AssistantFactory()
    for n in range(clients):
        client = factories.ClientFactory()
        task = factories.TaskFactory(
            client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS, category=f"c{n}"
        )
        for k in range(per_client):
            work(task, at(2026, 10, 1 + k, 8 + n), 30)


@pytest.mark.parametrize("group_by", ["client", "assistant", "category", "task", "week", "month"])
def test_query_count_is_fixed_whatever_the_rows(
    manager_api, office, django_assert_num_queries, group_by
):
    # The token with its user, the entries, the assistants' costs, the invoices, their
    # credit notes; the people's names or the category labels. By task: the token, the
    # task cells not plain, the plain ones' totals, the assistants' costs, the page, its
    # titles, the invoices and their credit notes (and the entries of the cells the range
    # cuts, when it cuts any).
    queries = 5 + (group_by in ("client", "assistant", "category")) + 3 * (group_by == "task")
    for size in (1, 6):
        _more_work(size, 2)
        with django_assert_num_queries(queries):
            response = manager_api.get(URL, {**QUARTER, "group_by": group_by})
        assert response.status_code == 200


# Profitability (managers only) ---------------------------------------------------------


@pytest.fixture
def costed(office):
    """Xena costs 20.00 an hour; what Yuri costs is not known."""
    profile = office["xena"].assistant_profile
    profile.cost_rate = Decimal("20.00")
    profile.save()
    return office


def money(value):
    """A Fraction of currency at two places, half up."""
    value = Fraction(value)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_margin_per_client(manager_api, costed):
    body = manager_api.get(URL, QUARTER).json()
    rows = rows_by(body, "client")
    ada, bob, cy = (rows[costed[name].pk] for name in ("ada", "bob", "cy"))
    # Xena's 781 minutes for Ada at 20.00 an hour; Yuri's 117 are not costed.
    assert Decimal(ada["cost_amount"]) == money(Fraction(781 * 20, 60)) == Decimal("260.33")
    assert ada["uncosted_minutes"] == 117
    # Revenue excludes tax.
    assert Decimal(ada["revenue_amount"]) == invoiced_excl_tax(costed["ada"])
    assert Decimal(ada["invoiced_excl_tax_amount"]) == invoiced_excl_tax(costed["ada"])
    assert Decimal(ada["margin_amount"]) == invoiced_excl_tax(costed["ada"]) - Decimal("260.33")
    assert (Decimal(bob["cost_amount"]), bob["uncosted_minutes"]) == (0, 195)
    assert Decimal(cy["cost_amount"]) == Decimal("20.00")
    totals = body["totals"]
    assert Decimal(totals["cost_amount"]) == Decimal("280.33")
    assert Decimal(totals["revenue_amount"]) == Decimal(totals["invoiced_excl_tax_amount"])
    assert Decimal(totals["margin_amount"]) == Decimal(
        totals["invoiced_excl_tax_amount"]
    ) - Decimal("280.33")


def test_margin_per_assistant_shares_each_invoice_by_billed_minutes(manager_api, costed):
    body = manager_api.get(URL, {**QUARTER, "group_by": "assistant"}).json()
    rows = rows_by(body, "assistant")
    xena, yuri = rows[costed["xena"].pk], rows[costed["yuri"].pk]
    billed_by = {}
    for entry in InvoicedEntry.objects.select_related("entry__task"):
        key = (entry.entry.assistant_id, entry.entry.task.client_id)
        billed_by[key] = billed_by.get(key, 0) + entry.billed_minutes
    assert billed_by[costed["xena"].pk, costed["ada"].pk] == 760  # of Ada's 895

    def share(assistant):
        total = Fraction(0)
        for client in ("ada", "bob", "cy"):
            everyone = sum(m for (a, c), m in billed_by.items() if c == costed[client].pk)
            mine = billed_by.get((costed[assistant].pk, costed[client].pk), 0)
            if mine:
                total += Fraction(invoiced_excl_tax(costed[client])) * mine / everyone
        return money(total)

    assert Decimal(xena["revenue_amount"]) == share("xena")
    assert Decimal(yuri["revenue_amount"]) == share("yuri")
    xena_minutes = 781 + 60
    assert Decimal(xena["cost_amount"]) == money(Fraction(xena_minutes * 20, 60))
    assert Decimal(xena["margin_amount"]) == share("xena") - money(Fraction(xena_minutes * 20, 60))
    assert (Decimal(yuri["cost_amount"]), yuri["uncosted_minutes"]) == (0, 312)
    # Every cent of the invoices is shared out (each client had billed time), each row
    # rounded once.
    revenue = Decimal(body["totals"]["revenue_amount"])
    assert revenue == share("xena") + share("yuri")
    assert abs(revenue - Decimal(body["totals"]["invoiced_excl_tax_amount"])) <= Decimal("0.01")


def test_by_task_the_pages_are_the_whole_report_most_time_first(manager_api, costed):
    costed["yuri"].assistant_profile.cost_rate = Decimal("13.37")  # a third of a cent a minute
    costed["yuri"].assistant_profile.save()
    query = {**QUARTER, "group_by": "task"}
    whole = manager_api.get(URL, {**query, "page_size": 100}).json()
    rows = whole["results"]
    assert whole["count"] == whole["totals"]["rows"] == len(rows) >= 4
    paged, page = [], 1
    while True:
        body = manager_api.get(URL, {**query, "page_size": 2, "page": page}).json()
        assert body["count"] == len(rows)
        paged += body["results"]
        if body["next"] is None:
            break
        page += 1
    assert paged == rows
    logged = [row["logged_minutes"] for row in rows]
    assert logged == sorted(logged, reverse=True)
    # Each task's cost: each assistant's whole minutes at their rate, rounded once a task.
    for row in rows:
        minutes = (
            TimeEntry.objects.filter(task_id=row["task"], **IN_QUARTER)
            .values("assistant__assistant_profile__cost_rate")
            .annotate(logged=Sum(F("ended_at") - F("started_at")))
        )
        units = sum(
            int(item["logged"].total_seconds())
            // 60
            * Fraction(item["assistant__assistant_profile__cost_rate"])
            for item in minutes
        )
        assert Decimal(row["cost_amount"]) == money(units / 60), row
        assert row["revenue_amount"] is None and row["margin_amount"] is None
    totals = whole["totals"]
    assert Decimal(totals["cost_amount"]) == sum(Decimal(row["cost_amount"]) for row in rows)
    assert (
        totals["logged_minutes"] == manager_api.get(URL, QUARTER).json()["totals"]["logged_minutes"]
    )
    assert totals["uncosted_minutes"] == 0 and totals["margin_amount"] is None
    # Beyond the last page: a 404, as every list.
    assert manager_api.get(URL, {**query, "page_size": 2, "page": page + 1}).status_code == 404


def test_cost_without_revenue_where_invoices_are_not_split(manager_api, costed):
    body = manager_api.get(URL, {**QUARTER, "group_by": "category"}).json()
    admin = rows_by(body, "category")["admin"]
    assert admin["cost_amount"] is not None
    assert admin["revenue_amount"] is None and admin["margin_amount"] is None
    assert body["totals"]["margin_amount"] is None
    by_month = manager_api.get(URL, {**QUARTER, "group_by": "month"}).json()
    for row in by_month["results"]:
        assert Decimal(row["revenue_amount"]) == Decimal(row["invoiced_excl_tax_amount"])


@pytest.mark.parametrize("who", ["ada", "xena"])
def test_nobody_but_managers_sees_costs_or_margins(api_for, costed, who):
    api = api_for(costed[who])
    for group_by in ("client", "assistant", "month"):
        body = api.get(URL, {**QUARTER, "group_by": group_by}).json()
        for row in [*body["results"], body["totals"]]:
            assert not {"cost_amount", "revenue_amount", "margin_amount"} & set(row), row
    header = api.get(URL, {**QUARTER, "format": "csv"}).content.decode().splitlines()[0]
    assert "cost_amount" not in header and "margin_amount" not in header


def test_managers_set_an_assistants_cost_rate(manager_api, api_for, assistant_user):
    url = f"/api/v1/assistants/{assistant_user.pk}/"
    response = manager_api.patch(url, {"cost_rate": "31.50"})
    assert response.status_code == 200, response.content
    assert response.json()["cost_rate"] == "31.50"
    assistant_user.assistant_profile.refresh_from_db()
    assert assistant_user.assistant_profile.cost_rate == Decimal("31.50")
    assert manager_api.get(url).json()["cost_rate"] == "31.50"
    # Not shown to the assistant, who may not set it either.
    mine = api_for(assistant_user)
    assert "cost_rate" not in mine.get(url).json()
    assert_error(mine.patch(url, {"cost_rate": "99.00"}), 403, "permission_denied")
    assert_error(manager_api.patch(url, {"cost_rate": "-1.00"}), 400, "invalid")
    cleared = manager_api.patch(url, {"cost_rate": None})
    assert cleared.json()["cost_rate"] is None


def test_credit_notes_come_off_the_billed_minutes_and_the_revenue(manager_api, costed):
    from billing.models import CreditNote

    before = rows_by(manager_api.get(URL, QUARTER).json(), "client")[costed["ada"].pk]
    billed_entry = InvoicedEntry.objects.filter(
        invoice__client=costed["ada"], billed_minutes=600
    ).get()
    billed_entry.credited_minutes = 60
    billed_entry.save()
    time_entry_credit(entry_id=billed_entry.entry_id, minutes=60)  # as credit notes do
    CreditNote.objects.create(
        invoice=billed_entry.invoice,
        client=costed["ada"],
        entry=billed_entry.entry,
        year=2026,
        sequence=1,
        number="AV-2026-000001",
        reason="An hour too many",
        total_excl_tax=Decimal("28.00"),
        total_tax=Decimal("5.60"),
        total_incl_tax=Decimal("33.60"),
        credited_minutes=60,
    )
    body = manager_api.get(URL, QUARTER).json()
    ada = rows_by(body, "client")[costed["ada"].pk]
    assert ada["billed_minutes"] == before["billed_minutes"] - 60
    assert ada["invoiced_amount"] == before["invoiced_amount"]  # the invoices are untouched
    assert Decimal(ada["credited_amount"]) == Decimal("33.60")
    assert Decimal(ada["revenue_amount"]) == Decimal(before["revenue_amount"]) - Decimal("28.00")
    assert Decimal(body["totals"]["credited_excl_tax_amount"]) == Decimal("28.00")
    by_month = rows_by(manager_api.get(URL, {**QUARTER, "group_by": "month"}).json(), "period")
    assert Decimal(by_month["2026-11"]["credited_amount"]) == Decimal("33.60")
    assert Decimal(by_month["2026-10"]["credited_amount"]) == 0


def test_by_task_the_csv_holds_every_task_labelled_in_order(manager_api, office, monkeypatch):
    monkeypatch.setattr("billing.reports.time.LABELS_PER_QUERY", 2)  # labels read in chunks
    query = {**QUARTER, "group_by": "task"}
    rows = manager_api.get(URL, {**query, "page_size": 100}).json()["results"]
    response = manager_api.get(URL, {**query, "format": "csv"})
    *lines, totals = csv.DictReader(io.StringIO(response.content.decode()))
    assert len(rows) >= 4
    assert [(line["task"], line["label"]) for line in lines] == [
        (str(row["task"]), row["label"]) for row in rows
    ]
    assert totals["label"] == "total"


def test_by_task_any_page_merges_shared_and_cut_tasks_in_their_place(manager_api):
    """Plain tasks (one assistant, all their time in the range) are read from the database
    a page at a time; tasks of two assistants, and tasks the range cuts, are added up apart
    and slotted into the pages by their time."""
    first, second = factories.AssistantFactory(), factories.AssistantFactory()
    client = factories.ClientFactory()
    minutes = {}
    for n in range(12):  # 12 plain tasks of 30 to 140 minutes
        task = factories.TaskFactory(client=client, assignee=first, title=f"plain {n}")
        work(task, at(2026, 10, 1 + n, 9), 30 + 10 * n)
        minutes[task.pk] = 30 + 10 * n
    for n in range(3):  # 3 tasks of two assistants: 75, 95 and 115 minutes
        task = factories.TaskFactory(client=client, assignee=first, title=f"shared {n}")
        work(task, at(2026, 10, 20, 9 + 2 * n), 40 + 10 * n)
        factories.TimeEntryFactory(
            task=task,
            assistant=second,
            started_at=at(2026, 10, 21, 9 + 2 * n),
            ended_at=at(2026, 10, 21, 9 + 2 * n) + datetime.timedelta(minutes=35 + 10 * n),
        )
        minutes[task.pk] = 75 + 20 * n
    for n in range(2):  # 2 tasks the range cuts: 65 and 105 minutes in it
        task = factories.TaskFactory(client=client, assignee=second, title=f"cut {n}")
        work(task, at(2026, 8, 30, 9 + n), 50)  # before the quarter
        work(task, at(2026, 11, 2, 9 + 2 * n), 65 + 40 * n)
        minutes[task.pk] = 65 + 40 * n
    query = {**QUARTER, "group_by": "task", "client": client.pk}
    whole = manager_api.get(URL, {**query, "page_size": 100}).json()["results"]
    assert {row["task"]: row["logged_minutes"] for row in whole} == minutes
    assert [row["logged_minutes"] for row in whole] == sorted(minutes.values(), reverse=True)
    for size in (2, 3, 5):
        pages, page = [], 1
        while True:
            body = manager_api.get(URL, {**query, "page_size": size, "page": page}).json()
            pages += body["results"]
            if body["next"] is None:
                break
            page += 1
        assert pages == whole, size
