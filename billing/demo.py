"""Demo data of billing: two plans, and a client's lived-in month built through the real
services: a plan since the start of last month, last month closed with its invoice, tasks
in every status, messages, time entries this month including a disputed one; and a second
client's busy week for the manager's pages. `seed_demo` loads them (`seed`); the portal's
browser tests start from the month."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF

from assistants import services as time_services
from assistants.models import TimeEntry
from billing import periods, services
from billing import seller as billing_seller
from billing.models import Invoice, Plan, PlanKind, Subscription
from concierge import audit
from concierge import services as task_services
from concierge.attachments import services as attachment_services
from concierge.demo import Demo
from concierge.models import Task, TaskHistory, User

PLANS = [
    {
        "code": "essential",
        "name": "Essential (2 h / month)",
        "name_fr": "Essentiel (2 h / mois)",
        "kind": PlanKind.MONTHLY,
        "monthly_fee": Decimal("49.00"),
        "included_minutes": 120,
        "rollover_cap_minutes": 60,
        "rounding_increment_minutes": 15,
        "overage_tiers": [
            {"up_to_minutes": 480, "hourly_rate": "28.00"},
            {"up_to_minutes": None, "hourly_rate": "24.00"},
        ],
    },
    {
        "code": "hourly",
        "name": "Pay as you go",
        "name_fr": "À l'heure",
        "kind": PlanKind.HOURLY,
        "monthly_fee": Decimal("0.00"),
        "included_minutes": 0,
        "rollover_cap_minutes": 0,
        "rounding_increment_minutes": 6,
        "overage_tiers": [{"up_to_minutes": None, "hourly_rate": "32.00"}],
    },
]


# The demo's seller: every invoice names one (billing/seller.py).
SELLER = {
    "name": "Conciergerie Démo SAS",
    "address": "12 rue de la Paix\n75002 Paris",
    "country_code": "FR",
    "siren": "123456782",
    "vat_id": "FR32123456782",
    "legal_form": "SAS",
    "share_capital": "10 000 EUR",
    "payment_terms_days": 30,
    "late_payment_text": billing_seller.DEFAULT_LATE_PAYMENT_TEXT,
    "recovery_indemnity_text": billing_seller.DEFAULT_RECOVERY_INDEMNITY_TEXT,
}


def seed(demo: Demo) -> None:
    manager = demo.manager
    if manager is None:
        raise RuntimeError("The core's demo data, with its manager, is loaded first.")
    if billing_seller.current_seller() is None:
        billing_seller.seller_update(actor=manager, **SELLER)
    for plan in PLANS:
        Plan.objects.get_or_create(code=plan["code"], defaults=plan)
        # A demo database seeded before plans had French names gets them too.
        Plan.objects.filter(code=plan["code"], name_fr="").update(name_fr=plan["name_fr"])
    if not Subscription.objects.filter(client=demo.showcase).exists():
        lived_in_month(
            client=demo.showcase,
            assistant=demo.assistants[0],
            manager=manager,
            plan=Plan.objects.get(code="essential"),
            files=True,
        )
    second_client = demo.clients[1]
    if not Subscription.objects.filter(client=second_client).exists():
        busy_week(
            client=second_client,
            plan=Plan.objects.get(code="hourly"),
            late=demo.assistants[1],
            steady=demo.assistants[2],
            manager=manager,
        )


@dataclass
class Month:
    subscription: Subscription
    invoice: Invoice | None
    tasks: dict[str, Task] = field(default_factory=dict)
    disputable: TimeEntry | None = None
    disputed: TimeEntry | None = None


def _task(client, assistant, manager, title, category, **extra) -> Task:
    task = task_services.task_create(client=client, title=title, category=category, **extra)
    if task.assignee_id != assistant.pk:
        task = task_services.task_assign(task=task, actor=manager, assistant=assistant)
    return task


def _log(assistant, task, start, minutes, note, *, actor=None):
    return time_services.time_entry_create(
        actor=actor or assistant,
        assistant=assistant,
        task=task,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
        note=note,
    )


def _quote_pdf() -> SimpleUploadedFile:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=16)
    pdf.cell(text="Quote: kitchen sink leak", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=12)
    for line in ("Visit on Tuesday, 9:00", "Labour and seal: 95.00 EUR incl. VAT"):
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    return SimpleUploadedFile("plumber-quote.pdf", bytes(pdf.output()), "application/pdf")


def _offers_csv() -> SimpleUploadedFile:
    table = (
        "operator,plan,data,monthly price (EUR)\n"
        "Operator A,Essentiel,100 GB,15.99\n"
        "Operator B,5G Max,250 GB,19.99\n"
        "Operator C,Basic,130 GB,12.99\n"
    )
    return SimpleUploadedFile("mobile-plans.csv", table.encode(), "text/csv")


def _deliver(task, assistant, message, files):
    """Delivered with its files (the demo's), or with the message alone (the tests')."""
    if files:
        return attachment_services.task_deliver_with_files(
            task=task, actor=assistant, message=message, files=files
        )
    return task_services.task_deliver(task=task, actor=assistant, message=message)


@transaction.atomic
def lived_in_month(
    *, client: User, assistant: User, manager: User, plan: Plan, now=None, files: bool = False
) -> Month:
    """(`files`: the deliveries carry their documents, kept in the attachments' storage.)"""
    now = now or timezone.now()
    this_period = periods.period_of_instant(now)
    last_period = periods.previous_period(this_period)
    subscription = services.subscription_create(client=client, plan=plan, start_date=last_period)
    month = Month(subscription=subscription, invoice=None)
    zone = periods.zone()

    def last_month_at(day, hour):
        return datetime.datetime.combine(
            last_period.replace(day=day), datetime.time(hour), tzinfo=zone
        )

    # Last month: a plumber found and booked, then the month closed and invoiced.
    done = _task(
        client,
        assistant,
        manager,
        "Find and book a plumber for the kitchen sink",
        "tradespeople",
        description="Leaking under the sink; mornings are best.",
    )
    task_services.task_start(task=done, actor=assistant)
    # Recorded by the manager: assistants may not date entries that far back.
    _log(assistant, done, last_month_at(3, 10), 90, "Called plumbers", actor=manager)
    _log(assistant, done, last_month_at(10, 14), 45, "Booked the visit", actor=manager)
    _deliver(
        done,
        assistant,
        "Booked for Tuesday 9:00; the quote is attached.",
        [_quote_pdf()] if files else [],
    )
    task_services.task_accept(task=done, actor=client, rating=5, comment="Perfect, thank you!")
    services.billing_period_close(period=last_period, now=now)
    month.invoice = Invoice.objects.filter(subscription=subscription).first()
    month.tasks["completed"] = done

    # This month: work under way, waiting, delivered, cancelled, assigned and new.
    working = _task(
        client,
        assistant,
        manager,
        "Plan a weekend in Lisbon",
        "travel",
        description="Two nights in May, a hotel near the river, train or flight.",
        max_minutes=240,
    )
    task_services.task_start(task=working, actor=assistant)
    month.disputed = _log(
        assistant, working, now - datetime.timedelta(hours=27), 60, "Compared hotels"
    )
    month.disputable = _log(
        assistant, working, now - datetime.timedelta(hours=3), 40, "Train and flight times"
    )
    task_services.message_create(
        task=working, author=assistant, body="Do you prefer the train or a flight?"
    )
    task_services.message_create(
        task=working, author=client, body="The train, if it is under eight hours."
    )
    time_services.time_entry_dispute(
        actor=client, entry=month.disputed, reason="An hour to compare three hotels is a lot."
    )
    month.tasks["in_progress"] = working

    # Promised for yesterday: overdue on the assistant's day.
    waiting = _task(
        client,
        assistant,
        manager,
        "Renew the car insurance",
        "bills",
        requested_due_at=now - datetime.timedelta(days=1),
    )
    task_services.task_start(task=waiting, actor=assistant)
    task_services.task_wait(
        task=waiting, actor=assistant, message="Could you send me the current policy number?"
    )
    month.tasks["waiting_on_client"] = waiting

    delivered = _task(client, assistant, manager, "Research a new mobile plan", "research")
    task_services.task_start(task=delivered, actor=assistant)
    _deliver(
        delivered,
        assistant,
        "Three offers compared in the attached table.",
        [_offers_csv()] if files else [],
    )
    month.tasks["delivered"] = delivered

    cancelled = _task(client, assistant, manager, "Book a table for Friday", "booking")
    task_services.task_cancel(task=cancelled, actor=client, reason="Plans changed.")
    month.tasks["cancelled"] = cancelled

    month.tasks["assigned"] = _task(
        client,
        assistant,
        manager,
        "Water the plants every Monday",
        "admin",
        recurrence="FREQ=WEEKLY",
        requested_due_at=now + datetime.timedelta(days=3),
    )
    # Ten hours of work promised within fifteen: more than the assistant's working hours
    # hold, so their day shows it at risk.
    month.tasks["at_risk"] = _task(
        client,
        assistant,
        manager,
        "Organise Mum's 70th birthday party",
        "events",
        estimate_minutes=600,
    )
    # A task that came in while nobody could take it: it waits for a manager to assign it.
    newest = Task.objects.create(
        client=client, title="Chase the landlord about the boiler", category="tradespeople"
    )
    audit.record(
        actor=client,
        action=TaskHistory.CREATE,
        target=newest,
        changes=audit.status_change("", newest.status),
        about=client,
    )
    month.tasks["new"] = newest
    return month


@transaction.atomic
def busy_week(*, client: User, plan: Plan, late: User, steady: User, manager: User, now=None):
    """Another client's work for the manager's week: on a pay-as-you-go plan since this
    month, one task of theirs past its promise, one whose estimate no longer fits before
    it, and time logged this week by two assistants."""
    now = now or timezone.now()
    services.subscription_create(
        client=client, plan=plan, start_date=periods.period_of_instant(now)
    )
    behind = _task(client, late, manager, "Claim the council tax refund", "bills")
    task_services.task_start(task=behind, actor=late)
    _log(late, behind, now - datetime.timedelta(hours=5), 50, "Filled in the form")
    # Promised two days ago, as if it had been asked for last week.
    Task.objects.filter(pk=behind.pk).update(promised_due_at=now - datetime.timedelta(days=2))
    _task(
        client,
        late,
        manager,
        "Compare nurseries for September",
        "research",
        estimate_minutes=900,
        requested_due_at=now + datetime.timedelta(days=1),
    )
    agenda = _task(client, steady, manager, "Keep the family agenda", "agenda")
    task_services.task_start(task=agenda, actor=steady)
    _log(steady, agenda, now - datetime.timedelta(hours=8), 120, "School trips and dentist")
    _log(steady, agenda, now - datetime.timedelta(hours=4), 45, "Piano lessons")
