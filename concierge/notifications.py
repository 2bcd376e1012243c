"""Notifications to people, sent after commit through the job queue."""

from concierge.jobs import enqueue


def notify(*, user_id: int, subject: str, body: str) -> None:
    enqueue("concierge.jobs.send_email", user_id, subject, body)
