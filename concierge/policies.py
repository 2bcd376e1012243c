"""Who may do what in the core domain: tasks, messages, clients, the vault, categories and
the audit log — one predicate per action and object.

The services ask these and refuse (`require_*`), so a rule holds whatever calls them: the
API, the portal, a job or a shell. The API's permission classes, the portal's view
decorators and the templates' buttons ask the same predicates to decide what to admit and
offer (`concierge.api.permissions.allowed`, `concierge.web.access.allowed`, the `may`
template filter). A predicate says *who*; whether the object's state allows the action
(a closed task, an invoiced entry) stays the service's own rule.

A person who may not even see the object is told it does not exist (404), as its list
would not show it; one who sees it but may not act is refused (403).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NoReturn

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concierge import errors
from concierge.models import Role, Task, User


def may_see_task(user: User, task: Task) -> bool:
    """As `selectors.tasks_visible_to`: managers every task, a client their own, an
    assistant those assigned to them now."""
    if user.is_manager:
        return True
    if user.is_client:
        return task.client_id == user.pk
    return user.is_assistant and task.assignee_id == user.pk


def may_create_task(user: User) -> bool:
    """A client delegates; staff work on what clients delegate."""
    return user.is_client


def may_edit_task(user: User, task: Task) -> bool:
    """The client who owns it, its assignee, or a manager (each their own fields)."""
    return may_see_task(user, task)


def may_assign_task(user: User) -> bool:
    return user.is_manager


@dataclass(frozen=True)
class Move:
    """Who makes one move of a task's workflow: people of `roles`, on a task `fits` them;
    anyone else who sees the task is refused with `refusal` (a code and its sentence)."""

    roles: frozenset[str]
    fits: Callable[[User, Task], bool]
    refusal: tuple[str, Promise]

    def admits(self, user: User) -> bool:
        """Might make this move on some task: what the move's page and endpoint admit."""
        return user.role in self.roles


def _assignee(user: User, task: Task) -> bool:
    return task.assignee_id == user.pk


def _owner(user: User, task: Task) -> bool:
    return task.client_id == user.pk


def _owner_or_manager(user: User, task: Task) -> bool:
    return user.is_manager or _owner(user, task)


# Who makes each move of a task's workflow. Whether the task's status allows it is
# `services.allowed_transition`.
_ASSIGNEE_ONLY = (errors.Code.NOT_ASSIGNEE, gettext_lazy("Only the task's assignee may do this."))
_CLIENT_ONLY = (errors.Code.PERMISSION_DENIED, gettext_lazy("Only the task's client may do this."))
_CLIENT_OR_MANAGER = (
    errors.Code.PERMISSION_DENIED,
    gettext_lazy("Only the task's client or a manager may cancel it."),
)

TASK_MOVES: dict[str, Move] = {
    "start": Move(frozenset({Role.ASSISTANT}), _assignee, _ASSIGNEE_ONLY),
    "wait": Move(frozenset({Role.ASSISTANT}), _assignee, _ASSIGNEE_ONLY),
    "deliver": Move(frozenset({Role.ASSISTANT}), _assignee, _ASSIGNEE_ONLY),
    "accept": Move(frozenset({Role.CLIENT}), _owner, _CLIENT_ONLY),
    "request_revision": Move(frozenset({Role.CLIENT}), _owner, _CLIENT_ONLY),
    "cancel": Move(frozenset({Role.CLIENT, Role.MANAGER}), _owner_or_manager, _CLIENT_OR_MANAGER),
}


def may_move_task(user: User, task: Task, action: str) -> bool:
    move = TASK_MOVES[action]
    return move.admits(user) and move.fits(user, task)


def task_movers(action: str) -> Callable[[User], bool]:
    """The user-level part of a move's rule, for the view that makes it."""
    return TASK_MOVES[action].admits


def may_write_message(user: User, task: Task) -> bool:
    """Everyone who sees the task writes on it."""
    return may_see_task(user, task)


def may_write_internal_note(user: User, task: Task) -> bool:
    """Staff only: a note the client never reads."""
    return not user.is_client and may_see_task(user, task)


def may_manage_clients(user: User) -> bool:
    """Set a client's assistants, read their page, invoices and audit trail."""
    return user.is_manager


def may_manage_categories(user: User) -> bool:
    return user.is_manager


def may_read_audit_log(user: User) -> bool:
    return user.is_manager


def may_keep_vault(user: User) -> bool:
    """A client keeps their own vault: lists, adds, edits and deletes their items."""
    return user.is_client


def may_open_vault(user: User) -> bool:
    """The vault's pages: a client's own items, an assistant's clients' (never a value
    without a reveal)."""
    return user.is_client or user.is_assistant


def may_read_vault_access_log(user: User) -> bool:
    """Who opened which item: the client (their own items) and the managers."""
    return user.is_client or user.is_manager


def may_reveal_vault_item(user: User, task: Task) -> bool:
    """An assistant reads a client's secret for a task they hold now of that client
    (the service then checks the item belongs to the task's client)."""
    return user.is_assistant and _assignee(user, task)


def may_export_data(user: User) -> bool:
    """Every person downloads what the service holds about them."""
    return user.is_authenticated


def may_erase_self(user: User) -> bool:
    """A client closes their account and has their data erased (staff leave through a
    manager, their work records being the service's)."""
    return user.is_client


# ----------------------------------------------------------------------------------------
# The refusals the services raise.


def _refuse_task(
    user: User, task: Task, message: str, code: str = errors.Code.PERMISSION_DENIED
) -> NoReturn:
    if not may_see_task(user, task):
        raise errors.NotFound(errors.Code.NOT_FOUND, _("No such task."))
    raise errors.Forbidden(code, message)


def require_move_task(user: User, task: Task, action: str) -> None:
    if not may_move_task(user, task, action):
        code, message = TASK_MOVES[action].refusal
        _refuse_task(user, task, str(message), code)


def require_create_task(user: User) -> None:
    if not may_create_task(user):
        raise errors.Forbidden(errors.Code.PERMISSION_DENIED, _("Only clients create tasks."))


def require_edit_task(user: User, task: Task) -> None:
    if not may_edit_task(user, task):
        _refuse_task(
            user, task, _("Only the task's assignee may do this."), errors.Code.NOT_ASSIGNEE
        )


def require_assign_task(user: User, task: Task) -> None:
    if not may_assign_task(user):
        _refuse_task(user, task, _("Only a manager assigns a task."))


def require_write_message(user: User, task: Task, *, internal: bool) -> None:
    if not may_write_message(user, task):
        _refuse_task(user, task, _("You may not write on this task."))
    if internal and not may_write_internal_note(user, task):
        raise errors.Forbidden(
            errors.Code.INTERNAL_NOTE_STAFF_ONLY, _("Only staff write internal notes.")
        )


# The predicates that need no object, by name: the `may` template filter and the portal's
# navigation ask them (`{% if user|may:"read_audit_log" %}`). The other apps add theirs
# (`register_user_rules`, from their `ready()`); a name is taken once.
USER_RULES: dict[str, Callable[[User], bool]] = {
    "create_task": may_create_task,
    "assign_task": may_assign_task,
    "manage_clients": may_manage_clients,
    "manage_categories": may_manage_categories,
    "read_audit_log": may_read_audit_log,
    "keep_vault": may_keep_vault,
    "open_vault": may_open_vault,
    "export_data": may_export_data,
    "erase_self": may_erase_self,
}


def register_user_rules(rules: Mapping[str, Callable[[User], bool]]) -> None:
    taken = {name for name, rule in rules.items() if USER_RULES.get(name, rule) is not rule}
    if taken:
        raise ValueError(f"Policy names already taken: {sorted(taken)}")
    USER_RULES.update(rules)


def may(user: User, name: str) -> bool:
    """`user` may do what the user rule `name` admits; an unknown name is an error."""
    return bool(user.is_authenticated) and USER_RULES[name](user)
