"""Settings for the test suite (pyproject's DJANGO_SETTINGS_MODULE): the production
settings with what tests need on top. Processes the tests start (gunicorn, qcluster) run
with `concierge.settings`, as production does, with this process's key passed to them."""

import os

# A key for the suite when the environment gives none; set before the production module
# reads it, since that module refuses to start without one. Production never imports this.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-suite-key-not-for-production")

from concierge.settings import *  # noqa: F403
from concierge.settings import Q_CLUSTER, STORAGES

# Fast hashing.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Jobs run inline; one test drives a real cluster.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
# The suite's outside peers (radicale, raw ICS servers) listen on loopback.
ALLOW_PRIVATE_FETCH = True
# Static files from the apps' folders, without a `collectstatic` first.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The default cache in process memory, emptied before each test (tests/conftest.py);
# throttle counters in the database as in production (emptied with each test's data).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "concierge_throttle_cache",
    },
}
# The suite's people sign in with a password alone unless a test asks for more.
MFA_REQUIRED_ROLES = []
ACCOUNT_EMAIL_VERIFICATION = "optional"
# The test client speaks plain HTTP; the production defaults are checked by
# tests/concierge/test_deploy_settings.py against `concierge.settings` itself.
SECURE_SSL_REDIRECT = False
# Invoices are issued without a seller unless a test records one (the `seller` fixture
# of tests/billing/conftest.py); tests/billing/test_legal.py checks the refusal.
BILLING_REQUIRE_SELLER = False
