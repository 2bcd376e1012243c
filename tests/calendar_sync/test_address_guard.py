"""The outside-fetch guard refuses every address that reaches a private or loopback
IPv4 through an IPv6 form (mapped, NAT64, 6to4, Teredo, compatible), and broken URLs are a
clear error, not a crash."""

import pytest

from calendar_sync import importer


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "64:ff9b::7f00:1",  # NAT64 well-known prefix → 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 → 10.0.0.1
        "64:ff9b:1::c0a8:101",  # NAT64 local-use prefix → 192.168.1.1
        "2002:7f00:1::",  # 6to4 → 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 → 192.168.1.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo → client 10.0.0.1
        "::a00:1",  # IPv4-compatible → 10.0.0.1
        "fe80::1%eth0",  # link-local with a zone
        "not-an-address",
    ],
)
def test_private_addresses_in_any_form_are_refused(address):
    assert not importer._address_is_public(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::5db8:d822"]
)
def test_public_addresses_pass(address):
    assert importer._address_is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com:99999/x.ics",
        "http://example.com:0/x.ics",
        "http://[::1/x.ics",
        "http://[zz::1]/x.ics",
        "ftp://example.com/x.ics",
        "http:///x.ics",
    ],
)
def test_broken_urls_are_a_fetch_error(url):
    with pytest.raises(importer.FetchError):
        importer.check_url(url)
