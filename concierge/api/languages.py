"""The language the API answers in.

An API request is answered in the language its `Accept-Language` header asks for, when
the service speaks it; without such a header, in the authenticated account's `language`;
else in English (`settings.LANGUAGE_CODE`). The portal's language cookie plays no part:
a script's or a phone's calls say what they want in the header, or take the account's.

Only sentences change — a refusal's `detail` and `fields`, and DRF's own messages; its
`code` is the same in every language. Services write their refusals with `gettext`
when they raise, so the language is activated before any view runs (the middleware) and
again once the account is known (the authentication classes call `activate_language_of`).
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

API_PREFIX = "/api/"


def header_language(request) -> str | None:
    """The first language of the request's `Accept-Language` the service speaks."""
    for code, _quality in parse_accept_lang_header(request.headers.get("accept-language", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def account_language(user) -> str | None:
    """The account's chosen language, if the service still speaks it."""
    chosen = getattr(user, "language", "") or ""
    return chosen if chosen in dict(settings.LANGUAGES) else None


def activate_language_of(request, user) -> None:
    """Answer this API request in `user`'s language, unless its header asked for one."""
    if request.path.startswith(API_PREFIX) and header_language(request) is None:
        _answer_in(request, account_language(user) or settings.LANGUAGE_CODE)


def _answer_in(request, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = language  # as LocaleMiddleware leaves it, for views that ask


class ApiLanguageMiddleware:
    """After `LocaleMiddleware`: an API request takes its header's language, else English
    until its account is known (the portal's cookie is the browser's, not the API's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            _answer_in(request, header_language(request) or settings.LANGUAGE_CODE)
        return self.get_response(request)
