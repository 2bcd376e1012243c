from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from concierge import policies, selectors, services
from concierge.api import task_serializers as ts
from concierge.api.compiled import CompiledListMixin
from concierge.api.permissions import allowed
from concierge.api.users import request_user

# Who may call each action: the policies the services enforce (object rules, such as
# being the task's assignee, are the service's to check on the task itself).
PERMISSIONS = {
    "create": allowed(policies.may_create_task),
    "assign": allowed(policies.may_assign_task),
    **{
        move: allowed(policies.task_movers(move), name=f"May{move.title()}")
        for move in policies.TASK_MOVES
    },
}


@extend_schema_view(
    list=extend_schema(
        parameters=[ts.TaskFilterSerializer], responses=ts.TaskSerializer(many=True)
    ),
    create=extend_schema(request=ts.TaskCreateSerializer, responses={201: ts.TaskSerializer}),
    retrieve=extend_schema(responses=ts.TaskSerializer),
    partial_update=extend_schema(request=ts.TaskUpdateSerializer, responses=ts.TaskSerializer),
)
class TaskViewSet(
    CompiledListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Tasks: clients their own, assistants those assigned to them, managers all."""

    serializer_class = ts.TaskSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        return [PERMISSIONS.get(self.action, IsAuthenticated)()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.Task.objects.none()
        filters = {}
        if self.action == "list":
            data = ts.TaskFilterSerializer(data=self.request.query_params)
            data.is_valid(raise_exception=True)
            filters = data.validated_data
        # Only what renders a task needs its history; actions re-read it to answer.
        return selectors.task_list(
            request_user(self.request), filters=filters, history=self.action in ("list", "retrieve")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _render(self, task, code=status.HTTP_200_OK):
        task = selectors.task_get(request_user(self.request), task.pk)
        return Response(self.get_serializer(task).data, status=code)

    def create(self, request):
        data = ts.TaskCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_create(client=request.user, **data.validated_data)
        return self._render(task, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        task = self.get_object()
        data = ts.TaskUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        task = services.task_update(task=task, actor=request.user, **data.validated_data)
        return self._render(task)

    @extend_schema(request=ts.AssignSerializer, responses=ts.TaskSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        task = self.get_object()
        data = ts.AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_assign(task=task, actor=request.user, **data.validated_data)
        return self._render(task)

    @extend_schema(request=None, responses=ts.TaskSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._render(services.task_start(task=self.get_object(), actor=request.user))

    def _with_message(self, service):
        task = self.get_object()
        data = ts.MessageBodySerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        return self._render(
            service(task=task, actor=request_user(self.request), **data.validated_data)
        )

    @extend_schema(request=ts.MessageBodySerializer, responses=ts.TaskSerializer)
    @action(detail=True, methods=["post"])
    def wait(self, request, pk=None):
        return self._with_message(services.task_wait)

    @extend_schema(request=ts.MessageBodySerializer, responses=ts.TaskSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        return self._with_message(services.task_deliver)

    @extend_schema(request=ts.AcceptSerializer, responses=ts.TaskSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        task = self.get_object()
        data = ts.AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(
            services.task_accept(task=task, actor=request.user, **data.validated_data)
        )

    def _with_reason(self, service):
        task = self.get_object()
        data = ts.ReasonSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        return self._render(
            service(task=task, actor=request_user(self.request), **data.validated_data)
        )

    @extend_schema(request=ts.ReasonSerializer, responses=ts.TaskSerializer)
    @action(detail=True, methods=["post"], url_path="request-revision")
    def request_revision(self, request, pk=None):
        return self._with_reason(services.task_request_revision)

    @extend_schema(request=ts.ReasonSerializer, responses=ts.TaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._with_reason(services.task_cancel)

    @extend_schema(
        methods=["get"],
        responses=ts.MessageSerializer(many=True),
    )
    @extend_schema(
        methods=["post"], request=ts.MessageSerializer, responses={201: ts.MessageSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def messages(self, request, pk=None):
        task = self.get_object()
        if request.method == "POST":
            data = ts.MessageSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            message = services.message_create(task=task, author=request.user, **data.validated_data)
            return Response(ts.MessageSerializer(message).data, status=status.HTTP_201_CREATED)
        messages = selectors.messages_visible_to(request.user, task)
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(ts.MessageSerializer(page, many=True).data)
