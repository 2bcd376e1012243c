from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from calendar_sync import policies, selectors, services
from calendar_sync.api import serializers
from calendar_sync.models import CalDavAccount, CalendarFeed, IcsSubscription
from concierge.api.permissions import allowed
from concierge.api.users import request_user


class FeedViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The user's secret calendar feed addresses. Deleting one revokes it."""

    serializer_class = serializers.CalendarFeedSerializer
    queryset = CalendarFeed.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.feeds_of(request_user(self.request))

    @extend_schema(
        request=serializers.CalendarFeedCreateSerializer,
        responses={201: serializers.CalendarFeedCreatedSerializer},
    )
    def create(self, request):
        data = serializers.CalendarFeedCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feed, token = services.feed_create(user=request.user, **data.validated_data)
        body = serializers.CalendarFeedCreatedSerializer(
            feed, context={"request": request, "token": token}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        feed = self.get_object()
        services.feed_revoke(user=request.user, feed_id=feed.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Outside ICS calendars whose busy times are imported."""

    serializer_class = serializers.IcsSubscriptionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = IcsSubscription.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.subscriptions_of(request_user(self.request))

    @extend_schema(
        request=serializers.IcsSubscriptionCreateSerializer,
        responses={201: serializers.IcsSubscriptionSerializer},
    )
    def create(self, request):
        data = serializers.IcsSubscriptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_create(user=request.user, **data.validated_data)
        return Response(self.get_serializer(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.IcsSubscriptionUpdateSerializer,
        responses=serializers.IcsSubscriptionSerializer,
    )
    def partial_update(self, request, pk=None):
        subscription = self.get_object()
        data = serializers.IcsSubscriptionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_update(
            user=request.user, subscription_id=subscription.pk, **data.validated_data
        )
        return Response(self.get_serializer(subscription).data)

    def destroy(self, request, pk=None):
        """Stop importing it; its busy times are removed."""
        subscription = self.get_object()
        services.subscription_delete(user=request.user, subscription_id=subscription.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: serializers.IcsSubscriptionSerializer})
    @action(detail=True, methods=["post"])
    def refresh(self, request, pk=None):
        """Queues a refresh (202); the subscription's `status` and `last_fetched_at` tell
        when it has run."""
        subscription = self.get_object()
        services.subscription_refresh_request(subscription=subscription)
        subscription.refresh_from_db()
        return Response(self.get_serializer(subscription).data, status=status.HTTP_202_ACCEPTED)


class CalDavAccountViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The user's linked CalDAV calendar (at most one). POST links or relinks it, PATCH
    changes its settings (both checked against the server first), DELETE unlinks it."""

    serializer_class = serializers.CalDavAccountSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = CalDavAccount.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.caldav_accounts_of(request_user(self.request))

    @extend_schema(
        request=serializers.CalDavAccountWriteSerializer,
        responses={
            201: serializers.CalDavAccountSerializer,
            200: serializers.CalDavAccountSerializer,
        },
    )
    def create(self, request):
        data = serializers.CalDavAccountWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account, created = services.caldav_account_set(user=request.user, **data.validated_data)
        return Response(
            self.get_serializer(account).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=serializers.CalDavAccountUpdateSerializer,
        responses=serializers.CalDavAccountSerializer,
    )
    def partial_update(self, request, pk=None):
        account = self.get_object()
        data = serializers.CalDavAccountUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.caldav_account_update(
            user=request.user, account_id=account.pk, **data.validated_data
        )
        return Response(self.get_serializer(account).data)

    def destroy(self, request, pk=None):
        """Unlink: the stored password is deleted and nothing more is pushed."""
        account = self.get_object()
        services.caldav_account_delete(user=request.user, account_id=account.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvailabilityView(APIView):
    """An assistant's busy and free intervals in `[start, end)`: working hours in their zone,
    minus time off, appointments and imported busy times."""

    permission_classes = [allowed(policies.may_read_availability)]

    @extend_schema(
        parameters=[serializers.AvailabilityQuerySerializer],
        responses=serializers.AvailabilitySerializer,
    )
    def get(self, request):
        query = serializers.AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        result = selectors.assistant_availability(
            request.user, assistant_id=query.validated_data["assistant"], start=start, end=end
        )
        body = {
            "assistant": result["assistant"].pk,
            "timezone": result["assistant"].timezone,
            "start": start,
            "end": end,
            "busy": [{"start": lo, "end": hi} for lo, hi in result["busy"]],
            "free": [{"start": lo, "end": hi} for lo, hi in result["free"]],
        }
        return Response(serializers.AvailabilitySerializer(body).data)
