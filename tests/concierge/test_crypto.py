"""The one crypto module: Fernet with rotation, ciphertext at rest, and the command that
moves every stored secret to the newest key."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from calendar_sync.models import CalDavAccount
from concierge import vault_services
from concierge.models import VaultItem
from concierge.platform import crypto
from tests import factories


def test_round_trip_and_derived_key_still_reads(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    token = crypto.encrypt("s3cret")
    assert "s3cret" not in token
    assert crypto.decrypt(token) == "s3cret"
    # Configuring keys later keeps what the derived key wrote readable.
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert crypto.decrypt(token) == "s3cret"


def test_unknown_key_is_a_clear_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = crypto.encrypt("s3cret")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_malformed_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        crypto.encrypt("x")
    assert [error.id for error in crypto.check_keys()] == ["concierge.E001"]
    settings.FIELD_ENCRYPTION_KEYS = f"{Fernet.generate_key().decode()},"  # as a string
    assert crypto.check_keys() == []


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_every_column_and_old_keys_can_go(settings, db):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    client = factories.ClientFactory()
    item = vault_services.vault_item_create(
        client=client, title="Bank", kind="login", fields={"password": "hunter2-vault"}
    )
    account = CalDavAccount.objects.create(
        user=client,
        url="https://dav.example.test/",
        username="u",
        password_encrypted=crypto.encrypt("caldav-pass"),
        calendar="c",
    )
    before_item = _raw("concierge_vaultitem", "secret", item.pk)
    before_account = _raw("calendar_sync_caldavaccount", "password_encrypted", account.pk)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    # Old ciphertext still reads while both keys are listed.
    assert crypto.decrypt(before_item)
    call_command("rotate_encryption_keys", batch_size=1, stdout=open("/dev/null", "w"))  # noqa: SIM115

    after_item = _raw("concierge_vaultitem", "secret", item.pk)
    after_account = _raw("calendar_sync_caldavaccount", "password_encrypted", account.pk)
    assert after_item != before_item and after_account != before_account
    # Only the new key is needed now.
    settings.FIELD_ENCRYPTION_KEYS = [new]
    item.refresh_from_db()
    assert vault_services.vault_item_secrets(item) == {"password": "hunter2-vault"}
    assert crypto.decrypt(after_account) == "caldav-pass"
    # And the old key alone no longer reads the rotated values.
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(after_item)


def test_rotation_finds_every_ciphertext_column():
    columns = {(model._meta.label, name) for model, name in crypto.ciphertext_columns()}
    assert columns == {
        ("concierge.VaultItem", "secret"),
        ("calendar_sync.CalDavAccount", "password_encrypted"),
        ("accounts.TotpDevice", "secret"),
    }


def test_vault_row_holds_no_plaintext(db):
    client = factories.ClientFactory()
    item = vault_services.vault_item_create(
        client=client,
        title="Visa card",
        kind="card",
        fields={"number": "4111111111111111", "cvc": "cvc-is-737"},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM concierge_vaultitem WHERE id = %s", [item.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "4111111111111111" not in row and "cvc-is-737" not in row
    assert VaultItem.objects.get(pk=item.pk).field_names == ["cvc", "number"]
