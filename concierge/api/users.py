"""The person behind an API request, as the `User` the services and selectors take."""

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from concierge.models import User


def request_user(request: Request | HttpRequest) -> User:
    """The signed-in person making `request`.

    Every API view but sign-in requires authentication (the default permission class), so
    this mostly says to the type checker what the permission already made sure of; should
    an anonymous request ever get this far, it is refused as one (401 not_authenticated)
    rather than handed to a selector as if it were a person.
    """
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
