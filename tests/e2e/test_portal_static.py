"""The portal in production mode: `collectstatic`, then gunicorn with WhiteNoise serving the
hashed, compressed static files itself (no CDN, no other server)."""

import re
import subprocess
import sys

import pytest
import requests

from tests.peers import BIN, child_env, free_port, start, stop, wait_until_up

pytestmark = pytest.mark.django_db(transaction=True)


def test_gunicorn_serves_the_portal_and_its_pinned_assets(tmp_path):
    env = child_env(DJANGO_DEBUG="0", DJANGO_STATIC_ROOT=str(tmp_path / "static"))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=120,
    )
    port = free_port()
    process = start(
        [str(BIN / "gunicorn"), "concierge.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        log_path=tmp_path / "gunicorn.log",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", process=process)
        home = requests.get(f"{base}/", timeout=20)
        assert home.status_code == 200
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', home.text)
        assert any(re.search(r"htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js$", a) for a in assets)
        assert all(
            not a.startswith("http") for a in re.findall(r'(?:href|src)="([^"]+)"', home.text)
        )
        for asset in assets:
            answer = requests.get(base + asset, timeout=20, headers={"Accept-Encoding": "gzip"})
            assert answer.status_code == 200, asset
            assert "immutable" in answer.headers["Cache-Control"]
            assert answer.headers.get("Content-Encoding") == "gzip"
        missing = requests.get(f"{base}/app/nowhere/", timeout=20)
        assert missing.status_code == 404 and "Page not found" in missing.text
    finally:
        stop(process)
