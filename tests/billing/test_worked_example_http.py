"""BILLING.md's worked example end to end through the HTTP API.

The manager creates the plan and a backdated subscription, the assistant logs the entries
through `POST time-entries/`, the client disputes one and a manager adjusts it, the
periods close through `billing/close-period/`, and the client's invoices match line by line.
"""

import datetime
from decimal import Decimal

import pytest

from concierge.models import TaskStatus
from tests.billing.helpers import at, freeze
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "code": "example",
    "name": "Example",
    "kind": "monthly",
    "currency": "EUR",
    "monthly_fee": "49.00",
    "included_minutes": 120,
    "rollover_cap_minutes": 60,
    "rounding_increment_minutes": 15,
    "overage_tiers": [
        {"up_to_minutes": 480, "hourly_rate": "28.00"},
        {"up_to_minutes": None, "hourly_rate": "24.00"},
    ],
}
EXPECTED = [
    (
        "2026-000001",
        "2026-09-01",
        "2026-09-30",
        "52.50",
        [("fee", None, None, "24.50"), ("overage", 60, "28.00", "28.00")],
        {
            "used_minutes": 120,
            "from_rollover": 0,
            "from_included": 60,
            "overage_minutes": 60,
            "rollover_out": 0,
        },
        [60, 15, 45],
    ),
    (
        "2026-000002",
        "2026-10-01",
        "2026-10-31",
        "49.00",
        [("fee", None, None, "49.00")],
        {
            "used_minutes": 75,
            "from_rollover": 0,
            "from_included": 75,
            "overage_minutes": 0,
            "rollover_out": 45,
        },
        [45, 30],
    ),
    (
        "2026-000003",
        "2026-11-01",
        "2026-11-30",
        "295.00",
        [
            ("fee", None, None, "49.00"),
            ("overage", 480, "28.00", "224.00"),
            ("overage", 55, "24.00", "22.00"),
        ],
        {
            "used_minutes": 700,
            "from_rollover": 45,
            "from_included": 120,
            "overage_minutes": 535,
            "rollover_out": 0,
        },
        [600, 90, 10],
    ),
]


def test_worked_example_through_the_api(
    monkeypatch, manager_api, client_api, assistant_api, client_user, assistant_user
):
    # Early November: the manager signs the client up with a backdated subscription and
    # records September's and October's work late (more than 30 days back), the assistant
    # records November's as it happens, and the client disputes one November entry.
    freeze(monkeypatch, at(2026, 11, 5))
    plan = manager_api.post("/api/v1/plans/", PLAN, format="json")
    assert plan.status_code == 201, plan.content
    subscription = manager_api.post(
        f"/api/v1/clients/{client_user.pk}/subscription/",
        {"plan": plan.json()["id"], "start_date": "2026-09-16"},
        format="json",
    )
    assert subscription.status_code == 201, subscription.content

    task = TaskFactory(client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS)

    def log(start, minutes, api=assistant_api):
        response = api.post(
            "/api/v1/time-entries/",
            {
                "task": task.pk,
                "started_at": start.isoformat(),
                "ended_at": (start + datetime.timedelta(minutes=minutes)).isoformat(),
                "note": "work",
                "billable": True,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()["id"]

    # More than 30 days back: the manager records them (a migrated customer's history).
    for day, minutes in ((17, 50), (18, 7), (21, 31)):
        log(at(2026, 9, day), minutes, api=manager_api)
    for day, minutes in ((5, 40), (6, 20)):
        log(at(2026, 10, day), minutes, api=manager_api)
    log(at(2026, 11, 2, 8), 600)
    log(at(2026, 11, 3), 90)
    adjusted = log(at(2026, 11, 4), 60)
    disputed = client_api.post(
        f"/api/v1/time-entries/{adjusted}/dispute/", {"reason": "Too long"}, format="json"
    )
    assert disputed.status_code == 200, disputed.content
    resolved = manager_api.post(
        f"/api/v1/time-entries/{adjusted}/resolve/",
        {"decision": "adjust", "billable_minutes": 10},
        format="json",
    )
    assert resolved.status_code == 200, resolved.content

    # December 2nd: the manager closes the three periods in order.
    freeze(monkeypatch, at(2026, 12, 2))
    for period in ("2026-09", "2026-10", "2026-11"):
        closed = manager_api.post(
            "/api/v1/billing/close-period/", {"period": period}, format="json"
        )
        assert closed.json() == {"invoices": 1, "periods": [period]}

    listed = client_api.get("/api/v1/invoices/").json()
    assert listed["count"] == 3
    ids = [row["id"] for row in sorted(listed["results"], key=lambda r: r["period_start"])]
    for invoice_id, (number, start, end, total, lines, usage, billed) in zip(
        ids, EXPECTED, strict=True
    ):
        body = client_api.get(f"/api/v1/invoices/{invoice_id}/").json()
        assert (body["number"], body["period_start"], body["period_end"]) == (number, start, end)
        assert (body["total_excl_tax"], body["currency"], body["status"]) == (total, "EUR", "open")
        # VAT 20 % on top (the plan's default rate); what is due includes it.
        vat = (Decimal(total) * Decimal("0.2")).quantize(Decimal("0.01"))
        assert (body["total_tax"], body["total"]) == (str(vat), str(Decimal(total) + vat))
        assert [
            (line["kind"], line["quantity_minutes"], line["unit_rate"], line["amount"])
            for line in body["lines"]
        ] == lines
        assert {key: body["usage"][key] for key in usage} == usage
        assert [entry["billable_minutes"] for entry in body["entries"]] == billed
