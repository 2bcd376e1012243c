"""Portal fixtures: a signed-in browser-less client per role (Django's test client)."""

import pytest
from django.test import Client


@pytest.fixture
def web_for(db):
    """`web_for(user)`: Django's test client with `user` signed in (a session cookie)."""

    def make(user):
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def client_web(web_for, client_user):
    return web_for(client_user)


@pytest.fixture
def other_client_web(web_for, other_client_user):
    return web_for(other_client_user)


@pytest.fixture
def assistant_web(web_for, assistant_user):
    return web_for(assistant_user)


@pytest.fixture
def manager_web(web_for, manager_user):
    return web_for(manager_user)
