"""The error shape in the OpenAPI schema: every operation documents the errors any
request can meet (`{"code", "detail", "fields"}`, API.md), so clients and the schema
fuzzing test can check error bodies like any other answer."""

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a stable `code`, a sentence, and per-field messages for 400.",
    "properties": {
        "code": {"type": "string", "description": "Stable snake_case code."},
        "detail": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": True,
            "description": "Validation errors only: messages per field.",
        },
    },
    "required": ["code", "detail"],
}
# What any operation can answer, whatever it does.
COMMON_ERRORS = {
    "400": "Invalid input (`invalid`, `parse_error`).",
    "401": "Not authenticated, or the token has expired.",
    "403": "Authenticated, but the role may not do this.",
    "404": "Not found, or not yours.",
    "405": "Method not allowed.",
    "406": "The requested format is not offered.",
    "409": "Conflict with the current state.",
    "413": "The request body is too large.",
    "415": "Unsupported media type.",
    "429": "Too many requests (`throttled`); `Retry-After` says when to retry.",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the Error component and common errors."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                response = responses.setdefault(status, {"description": description})
                response.setdefault("content", content)
    return result
