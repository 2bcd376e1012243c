"""Task pages: the list, delegating a new one, and the task page with its history,
messages and the client's actions. Each action works as a plain POST (redirect back to
the task) and, sent by htmx, answers with the part of the page it changed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concierge import categories, policies, selectors, services
from concierge.attachments import services as attachment_services
from concierge.errors import ApplicationError
from concierge.models import TERMINAL_STATUSES
from concierge.web import attachment_views, forms
from concierge.web.access import allowed, signed_in
from concierge.web.once import once
from concierge.web.registry import panels_for

PAGE_SIZE = 25


@signed_in
def task_list(request):
    filters = forms.TaskFilterForm(request.GET or None)
    show = filters.cleaned_data["status"] if filters.is_valid() else ""
    tasks = selectors.task_list(request.user, history=False).select_related("assignee", "client")
    if show in ("", "open"):
        tasks = tasks.exclude(status__in=TERMINAL_STATUSES)
    elif show == "closed":
        tasks = tasks.filter(status__in=TERMINAL_STATUSES)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/task_list.html", {"page": page, "filters": filters})


@allowed(policies.may_create_task)
@once
def task_new(request):
    form = forms.TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task = attachment_services.task_create_with_files(
                client=request.user,
                files=request.FILES.getlist(attachment_views.FIELD),
                **form.service_fields(),
            )
        except ApplicationError as error:
            forms.attach_error(form, error)
        else:
            messages.success(request, _("Your task is delegated."))
            return redirect("portal:task-detail", pk=task.pk)
    return render(
        request,
        "portal/task_new.html",
        {"form": form, **attachment_views.upload_limits()},
        status=400 if form.errors else 200,
    )


def _page(request, task, **forms_in_use):
    user = request.user
    # The moves offered: those the reader may make (the policy the service asks) that the
    # task's status allows now.
    can = {
        action
        for action in policies.TASK_MOVES
        if policies.may_move_task(user, task, action)
        and services.allowed_transition(action, task.status)
    }
    return {
        "task": task,
        "category_label": categories.labels([task.category]).get(task.category, task.category),
        "can": can,
        "events": task.events.select_related("actor"),
        # A message's files beside it (the same readers as the message).
        "messages_list": selectors.messages_visible_to(request.user, task).prefetch_related(
            "attachments"
        ),
        "message_form": forms_in_use.get("message_form") or forms.MessageForm(),
        "accept_form": forms_in_use.get("accept_form") or forms.AcceptForm(),
        "reason_form": forms.ReasonForm(),
        "assign_form": forms.AssignForm(assistants=selectors.assistants_for_assignment(user))
        if policies.may_assign_task(user) and task.is_open
        else None,
        "panels": panels_for("task", request, task=task),
        "upload": attachment_views.upload_limits(),
    }


@signed_in
def task_detail(request, pk):
    task = selectors.task_get(request.user, pk)
    return render(request, "portal/task_detail.html", _page(request, task))


@signed_in
@require_POST
@once
def task_message(request, pk):
    task = selectors.task_get(request.user, pk)
    form = forms.MessageForm(request.POST)
    if form.is_valid():
        try:
            services.message_create(task=task, author=request.user, body=form.cleaned_data["body"])
        except ApplicationError as error:
            forms.attach_error(form, error)
        else:
            form = forms.MessageForm()
            if not request.htmx:
                return redirect("portal:task-detail", pk=task.pk)
    context = _page(request, task, message_form=form)
    if request.htmx:
        return render(request, "portal/task_detail.html#messages", context)
    return render(request, "portal/task_detail.html", context, status=400)


def _act(request, task, service, **fields):
    """Run a task action; htmx gets the refreshed status panel, a plain POST a redirect."""
    try:
        task = service(task=task, actor=request.user, **fields)
    except ApplicationError as error:
        if not request.htmx:
            raise  # the portal middleware shows it as a message on the task page
        messages.error(request, error.detail)
    if request.htmx:
        task = selectors.task_get(request.user, task.pk)
        # The history below the status changes with it: swapped in by the same answer.
        return render(request, "portal/task_status_swap.html", _page(request, task))
    return redirect("portal:task-detail", pk=task.pk)


@allowed(policies.task_movers("accept"))
@require_POST
@once
def task_accept(request, pk):
    task = selectors.task_get(request.user, pk)
    form = forms.AcceptForm(request.POST)
    if not form.is_valid():
        context = _page(request, task, accept_form=form)
        return render(request, "portal/task_detail.html", context, status=400)
    return _act(request, task, services.task_accept, **form.cleaned_data)


@allowed(policies.task_movers("request_revision"))
@require_POST
@once
def task_request_revision(request, pk):
    task = selectors.task_get(request.user, pk)
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, task, services.task_request_revision, reason=reason)


@allowed(policies.task_movers("cancel"))
@require_POST
@once
def task_cancel(request, pk):
    task = selectors.task_get(request.user, pk)
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, task, services.task_cancel, reason=reason)


@allowed(policies.task_movers("start"))
@require_POST
@once
def task_start(request, pk):
    return _act(request, selectors.task_get(request.user, pk), services.task_start)


def _with_message(request, pk, service):
    task = selectors.task_get(request.user, pk)
    form = forms.StaffMessageForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    return _act(request, task, service, message=message)


@allowed(policies.task_movers("wait"))
@require_POST
@once
def task_wait(request, pk):
    return _with_message(request, pk, services.task_wait)


@allowed(policies.task_movers("deliver"))
@require_POST
@once
def task_deliver(request, pk):
    """Delivering, with the deliverables attached (the whole page again for htmx, whose
    swap would not show the new files)."""
    task = selectors.task_get(request.user, pk)
    form = forms.StaffMessageForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    files = request.FILES.getlist(attachment_views.FIELD)
    response = _act(
        request, task, attachment_services.task_deliver_with_files, message=message, files=files
    )
    if files and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@allowed(policies.may_assign_task)
@require_POST
@once
def task_assign(request, pk):
    task = selectors.task_get(request.user, pk)
    form = forms.AssignForm(
        request.POST, assistants=selectors.assistants_for_assignment(request.user)
    )
    if not form.is_valid():
        messages.error(request, _("Choose an active assistant."))
        return redirect("portal:task-detail", pk=task.pk)
    return _act(request, task, services.task_assign, assistant=form.cleaned_data["assistant"])
