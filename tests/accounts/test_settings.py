"""The accounts settings as production loads them (`concierge.settings`): a second factor
for staff with debug off and for nobody with debug on, mandatory verification, throttle
counters in a cache every process shares."""

from tests.concierge.test_deploy_settings import KEY, _production

SHOW = (
    "import django; django.setup(); from django.conf import settings as s;"
    "print(s.MFA_REQUIRED_ROLES, s.ACCOUNT_EMAIL_VERIFICATION, s.REAUTH_SECONDS,"
    " s.CACHES['throttle']['BACKEND'].rsplit('.', 1)[1])"
)


def test_production_defaults():
    result = _production(SHOW, DJANGO_SECRET_KEY=KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "['manager', 'assistant'] mandatory 300 DatabaseCache"


def test_debug_asks_no_second_factor():
    result = _production(SHOW, DJANGO_DEBUG="1")
    assert result.stdout.startswith("[] mandatory 300"), result.stderr


def test_each_can_be_set_and_redis_shares_the_counters():
    result = _production(
        SHOW,
        DJANGO_SECRET_KEY=KEY,
        MFA_REQUIRED_ROLES="manager",
        ACCOUNT_EMAIL_VERIFICATION="none",
        REAUTH_SECONDS="60",
        REDIS_URL="redis://127.0.0.1:6399/0",
    )
    assert result.stdout.startswith("['manager'] none 60 FallbackRedisCache"), result.stderr
    empty = _production(SHOW, DJANGO_SECRET_KEY=KEY, MFA_REQUIRED_ROLES="")
    assert empty.stdout.startswith("[] mandatory"), empty.stderr


def test_an_unknown_verification_mode_is_refused():
    result = _production(SHOW, DJANGO_SECRET_KEY=KEY, ACCOUNT_EMAIL_VERIFICATION="maybe")
    assert result.returncode != 0 and "ACCOUNT_EMAIL_VERIFICATION" in result.stderr
