"""Encryption at rest for every stored secret: one module, Fernet with key rotation.

Keys come from `settings.FIELD_ENCRYPTION_KEYS` (Fernet keys, newest first). The newest
encrypts; every key listed decrypts. The key derived from SECRET_KEY is always accepted
for reading, as the oldest, so values written before keys were configured keep reading
until `manage.py rotate_encryption_keys` moves every value to the newest key.

Decrypting is rare and deliberate: callers that reveal a secret to a person record it
(vault reveals, CalDAV password reveals). Ciphertext columns are `CiphertextField`s, which
is how the rotation command finds them in every app without importing any.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction


class DecryptionError(ValueError):
    """The ciphertext was not written under any configured key (or was altered)."""


class CiphertextField(models.TextField):
    """A column holding a Fernet token. It never decrypts by itself: reading the model
    gives the ciphertext, so a secret cannot leak through a repr, a form or a log."""


def derived_key() -> bytes:
    # The derivation the CalDAV passwords were first encrypted with: kept so they read.
    digest = hashlib.sha256(f"calendar_sync:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _keys() -> list[bytes]:
    setting = getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or []
    if isinstance(setting, str | bytes):
        setting = setting.split(",") if isinstance(setting, str) else setting.split(b",")
    configured = [k.strip() for k in setting if k.strip()]
    keys = [k.encode() if isinstance(k, str) else k for k in configured]
    derived = derived_key()
    if derived not in keys:
        keys.append(derived)
    return keys


def _multi() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from exc


def check_keys(app_configs: object = None, **kwargs: object) -> list[checks.Error]:
    """A system check: a malformed key fails at start-up, not at the first secret."""
    try:
        _multi()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="concierge.E001")]
    return []


def encrypt(plaintext: str) -> str:
    """A Fernet token of `plaintext` under the newest key."""
    return _multi().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _multi().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "The stored secret cannot be decrypted with the configured keys."
        ) from exc


def encrypt_bytes(plaintext: bytes) -> bytes:
    """A Fernet token of `plaintext` (a file's bytes) under the newest key."""
    return _multi().encrypt(plaintext)


def decrypt_bytes(ciphertext: bytes) -> bytes:
    try:
        return _multi().decrypt(ciphertext)
    except InvalidToken as exc:
        raise DecryptionError(
            "The stored file cannot be decrypted with the configured keys."
        ) from exc


def rotate_bytes(ciphertext: bytes) -> bytes:
    try:
        return _multi().rotate(ciphertext)
    except InvalidToken as exc:
        raise DecryptionError(
            "The stored file cannot be decrypted with the configured keys."
        ) from exc


def rotate(ciphertext: str) -> str:
    """The same secret re-encrypted under the newest key."""
    try:
        return _multi().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "The stored secret cannot be decrypted with the configured keys."
        ) from exc


def ciphertext_columns() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) of an installed app that stores ciphertext."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, CiphertextField)
    ]


def rotate_all(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every stored ciphertext under the newest key; `{"app.Model.field": n}`.

    Each batch is locked and rewritten in its own transaction, so a long run never holds
    the whole table and a value written meanwhile (already under the newest key) is fine.
    """
    done = {}
    for model, name in ciphertext_columns():
        count, last_pk = 0, None
        while True:
            with transaction.atomic():
                rows = model._default_manager.select_for_update().exclude(**{name: ""})
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows.order_by("pk").only("pk", name)[:batch_size])
                for row in batch:
                    setattr(row, name, rotate(getattr(row, name)))
                model._default_manager.bulk_update(batch, [name])
            if not batch:
                break
            count += len(batch)
            last_pk = batch[-1].pk
        done[f"{model._meta.label}.{name}"] = count
    return done
