"""JSON answers for requests that reach no API view (unknown URL, server error), so every
error a client sees has the same `{"code", "detail"}` shape."""

from django.http import JsonResponse


def not_found(request, exception=None):
    return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)


def server_error(request):
    return JsonResponse(
        {"code": "server_error", "detail": "Something went wrong on our side; it was logged."},
        status=500,
    )
