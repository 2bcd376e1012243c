"""Due dates and reminders: an open invoice past its due date is reminded at each step of
BILLING_REMINDER_DAYS, once per step, by notification and e-mail in the client's
language with the invoice's PDF; a paid invoice is not."""

import datetime

from django.core import mail

from billing import notices, services
from billing.models import InvoiceReminder
from concierge.models import Notification
from tests.billing.test_legal import close_september

DUE = datetime.date(2026, 11, 1)  # issued 2 October, 30 days' terms


def day(n):
    return DUE + datetime.timedelta(days=n)


def test_reminders_at_each_step_once(seller, settings, client_user):
    settings.BILLING_REMINDER_DAYS = [7, 15]
    invoice = close_september(client=client_user)
    assert invoice.due_date == DUE
    assert notices.remind_overdue_invoices(today=day(6)) == 0
    assert notices.remind_overdue_invoices(today=day(7)) == 1
    assert notices.remind_overdue_invoices(today=day(7)) == 0  # a second run that day
    assert notices.remind_overdue_invoices(today=day(10)) == 0
    assert notices.remind_overdue_invoices(today=day(15)) == 1
    assert notices.remind_overdue_invoices(today=day(40)) == 0
    assert list(invoice.reminders.values_list("days_after_due", flat=True)) == [7, 15]
    reminders = Notification.objects.filter(user=client_user, data__invoice=invoice.pk).exclude(
        data__reminder_days__isnull=True
    )
    assert [n.data["reminder_days"] for n in reminders.order_by("pk")] == [7, 15]


def test_a_late_run_sends_only_the_latest_step(seller, settings):
    settings.BILLING_REMINDER_DAYS = [7, 15, 30]
    invoice = close_september()
    assert notices.remind_overdue_invoices(today=day(20)) == 1
    assert notices.remind_overdue_invoices(today=day(21)) == 0
    assert list(invoice.reminders.values_list("days_after_due", flat=True)) == [15]


def test_a_paid_invoice_is_not_reminded(seller, manager_user):
    invoice = close_september()
    services.invoice_mark_paid(invoice=invoice, actor=manager_user)
    assert notices.remind_overdue_invoices(today=day(30)) == 0
    assert not InvoiceReminder.objects.exists()


def test_the_reminder_email_is_in_the_clients_language_with_the_pdf(
    seller, client_user, django_capture_on_commit_callbacks
):
    client_user.language = "fr"
    client_user.save(update_fields=["language"])
    invoice = close_september(client=client_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notices.remind_overdue_invoices(today=day(7)) == 1
    (message,) = mail.outbox
    assert message.subject == f"Rappel : la facture {invoice.number} est en retard"
    assert "1 novembre 2026" in message.body and "109,20" in message.body.replace(".", ",")
    ((name, _content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"invoice-{invoice.number}.pdf", "application/pdf")
    # The issue notice is still sent once, whatever reminders went before it.
    assert notices.tell_invoice_issued(invoice.pk) is True
    assert notices.tell_invoice_issued(invoice.pk) is False
