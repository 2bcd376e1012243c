"""The product's settings with the bench URL conf (`bench/bare_urls.py`)."""

from concierge.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
