"""The API of accounts: e-mail verification, password reset, the second factor, the
person's sessions, recent re-authentication (API.md, "Accounts")."""

from django.contrib.auth import logout
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from concierge.accounts import services, sessions
from concierge.accounts.models import AccountSession
from concierge.errors import Code, NotFound


class AcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AcceptedEmailSerializer(AcceptedSerializer):
    email = serializers.EmailField(help_text="The address the answer is about.")


def accepted(detail: str, **extra) -> Response:
    return Response({"detail": detail, **extra}, status=status.HTTP_202_ACCEPTED)


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField()


class KeySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=500)


class ResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)


class DisableSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})
    code = serializers.CharField(max_length=32)


class ReauthSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=4096, required=False, allow_blank=True)
    code = serializers.CharField(max_length=32, required=False, allow_blank=True)


class TotpBeginSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="Base32, for typing into an authenticator.")
    otpauth_uri = serializers.CharField(help_text="The same as an otpauth:// URI (QR code).")


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(child=serializers.CharField())


class SessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = AccountSession
        fields = ["id", "kind", "created_at", "last_used_at", "ip", "user_agent", "current"]

    def get_current(self, row) -> bool:
        current = self.context.get("current")
        return current is not None and current.pk == row.pk


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


class Anonymous(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []


class VerifyEmailView(Anonymous):
    @extend_schema(request=KeySerializer, responses={200: AcceptedEmailSerializer})
    def post(self, request):
        user = services.email_verify(request, **_valid(KeySerializer, request))
        return Response({"detail": "Your e-mail address is confirmed.", "email": user.email})


class VerifyEmailResendView(Anonymous):
    @extend_schema(request=EmailSerializer, responses={202: AcceptedSerializer})
    def post(self, request):
        services.verification_resend(request, **_valid(EmailSerializer, request))
        return accepted("If this address waits for confirmation, a new link is on its way.")


class PasswordResetView(Anonymous):
    @extend_schema(request=EmailSerializer, responses={202: AcceptedSerializer})
    def post(self, request):
        services.password_reset_request(request, **_valid(EmailSerializer, request))
        return accepted("If an account has this address, a reset link is on its way.")


class PasswordResetConfirmView(Anonymous):
    @extend_schema(request=ResetConfirmSerializer, responses={200: AcceptedSerializer})
    def post(self, request):
        services.password_reset_confirm(request, **_valid(ResetConfirmSerializer, request))
        return Response({"detail": "Your password is changed; sign in with it."})


class TotpView(APIView):
    @extend_schema(request=None, responses={200: TotpBeginSerializer})
    def post(self, request):
        services.require_recent_authentication(request)
        return Response(TotpBeginSerializer(services.totp_begin(user=request.user)).data)

    @extend_schema(request=DisableSerializer, responses={204: None})
    def delete(self, request):
        services.totp_disable(request, user=request.user, **_valid(DisableSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TotpConfirmView(APIView):
    @extend_schema(request=CodeSerializer, responses={200: RecoveryCodesSerializer})
    def post(self, request):
        codes = services.totp_confirm(user=request.user, **_valid(CodeSerializer, request))
        sessions.reauthenticated(request)
        return Response({"recovery_codes": codes})


class RecoveryCodesView(APIView):
    """A new set of recovery codes; the old ones stop working."""

    @extend_schema(request=None, responses={200: RecoveryCodesSerializer})
    def post(self, request):
        services.require_recent_authentication(request)
        if not services.TotpDevice.objects.filter(
            user=request.user, confirmed_at__isnull=False
        ).exists():
            raise services.Invalid(Code.MFA_NOT_ENABLED, _("No second factor is set up."))
        return Response({"recovery_codes": services.recovery_codes_new(user=request.user)})


class EmailChangeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})


class EmailChangeView(APIView):
    """The new address gets a confirmation link; the account moves when it is followed
    (POST auth/verify-email/ with its key), and the old address is told."""

    @extend_schema(request=EmailChangeSerializer, responses={202: AcceptedSerializer})
    def post(self, request):
        services.email_change_request(
            request, user=request.user, **_valid(EmailChangeSerializer, request)
        )
        return accepted("Follow the link we sent to the new address to confirm it.")


class ReauthenticateView(APIView):
    @extend_schema(request=ReauthSerializer, responses={204: None})
    def post(self, request):
        services.reauthenticate(request, **_valid(ReauthSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionListView(APIView):
    """The person's API tokens and browser sessions, most recently used first."""

    @extend_schema(responses=SessionSerializer(many=True))
    def get(self, request):
        rows = sessions.sessions_of(request.user)[:200]
        context = {"current": sessions.current(request)}
        return Response(SessionSerializer(rows, many=True, context=context).data)


class SessionDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        if not sessions.session_end(user=request.user, session_id=pk):
            raise NotFound(Code.NOT_FOUND, _("No such session."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Every token and browser session of the person ends, this one included."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        sessions.sessions_end_all(user=request.user)
        if not isinstance(request.auth, AccountSession):
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
