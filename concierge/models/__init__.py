"""Models of the core domain, one module per concern: people, client profiles, tasks,
messages, notifications, the vault, attachments and the audit log; and the platform's
tables (`concierge.platform.models`), which are this app's too. Every model is
importable from here, as Django and the migrations expect."""

from concierge.models.attachments import Attachment
from concierge.models.audit import AuditLog, AuditOrigin
from concierge.models.clients import ClientProfile
from concierge.models.messages import Message
from concierge.models.notifications import Notification, NotificationKind, NotificationPreference
from concierge.models.tasks import (
    TERMINAL_STATUSES,
    Category,
    Task,
    TaskEvent,
    TaskHistory,
    TaskPriority,
    TaskStatus,
)
from concierge.models.users import Role, TokenSession, User, UserManager, validate_timezone
from concierge.models.vault import VaultDocument, VaultItem, VaultItemKind, VaultReveal

# The platform's tables are concierge's too (and its migrations').
from concierge.platform.models import AppendOnly, IdempotencyRecord, OutboxJob

__all__ = [
    "TERMINAL_STATUSES",
    "AppendOnly",
    "Attachment",
    "AuditLog",
    "AuditOrigin",
    "Category",
    "ClientProfile",
    "IdempotencyRecord",
    "Message",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "OutboxJob",
    "Role",
    "Task",
    "TaskEvent",
    "TaskHistory",
    "TaskPriority",
    "TaskStatus",
    "TokenSession",
    "User",
    "UserManager",
    "VaultDocument",
    "VaultItem",
    "VaultItemKind",
    "VaultReveal",
    "validate_timezone",
]
