import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from calendar_sync.models import CalDavAccount, CalendarFeed, FetchStatus, IcsSubscription
from concierge.api.fields import (
    BoundedModelSerializer,
    DateTimeField,
    IdField,
    IntegerField,
    SingleLineCharField,
)


class CalendarFeedSerializer(BoundedModelSerializer):
    class Meta:
        model = CalendarFeed
        fields = ["id", "name", "token_hint", "created_at"]
        read_only_fields = fields


class CalendarFeedCreatedSerializer(CalendarFeedSerializer):
    """A new feed; `url` carries the secret token and is shown only now."""

    url = serializers.SerializerMethodField()

    class Meta(CalendarFeedSerializer.Meta):
        fields = [*CalendarFeedSerializer.Meta.fields, "url"]
        read_only_fields = fields

    def get_url(self, feed) -> str:
        path = reverse("calendar-feed", kwargs={"token": self.context["token"]})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class CalendarFeedCreateSerializer(serializers.Serializer):
    name = SingleLineCharField(max_length=100, required=False, allow_blank=True, default="")


class IcsSubscriptionSerializer(BoundedModelSerializer):
    status = serializers.ChoiceField(choices=FetchStatus.choices, read_only=True)

    class Meta:
        model = IcsSubscription
        fields = [
            "id",
            "name",
            "url",
            "status",
            "last_error",
            "last_fetched_at",
            "last_success_at",
            "busy_count",
            "created_at",
        ]
        read_only_fields = fields


class IcsSubscriptionCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    name = SingleLineCharField(max_length=100, required=False, allow_blank=True, default="")


class IcsSubscriptionUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, required=False)
    name = SingleLineCharField(max_length=100, required=False, allow_blank=True)


class CalDavAccountSerializer(BoundedModelSerializer):
    """A linked CalDAV calendar; the password is never shown."""

    class Meta:
        model = CalDavAccount
        fields = [
            "id",
            "url",
            "username",
            "calendar",
            "last_error",
            "last_pushed_at",
            "failing_since",
            "created_at",
        ]
        read_only_fields = fields


class CalDavAccountWriteSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    username = SingleLineCharField(max_length=200)
    password = serializers.CharField(max_length=500, write_only=True, trim_whitespace=False)
    calendar = SingleLineCharField(max_length=200)


class CalDavAccountUpdateSerializer(serializers.Serializer):
    """Any of the settings; the result is checked against the server before it is kept."""

    url = serializers.URLField(max_length=2000, required=False)
    username = SingleLineCharField(max_length=200, required=False)
    password = serializers.CharField(
        max_length=500, write_only=True, trim_whitespace=False, required=False
    )
    calendar = SingleLineCharField(max_length=200, required=False)


class AvailabilityQuerySerializer(serializers.Serializer):
    assistant = IdField()
    start = DateTimeField()
    end = DateTimeField()

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [_("Must be after the start.")]})
        return attrs


class AvailabilityIntervalSerializer(serializers.Serializer):
    start = DateTimeField(default_timezone=datetime.UTC)
    end = DateTimeField(default_timezone=datetime.UTC)


class AvailabilitySerializer(serializers.Serializer):
    assistant = IntegerField()
    timezone = serializers.CharField()
    start = DateTimeField(default_timezone=datetime.UTC)
    end = DateTimeField(default_timezone=datetime.UTC)
    busy = AvailabilityIntervalSerializer(many=True)
    free = AvailabilityIntervalSerializer(many=True)
