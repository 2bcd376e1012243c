"""Tokens handed out before this release keep working, now stored as digests: each
`authtoken_token` row with its TokenSession becomes an AccountSession holding the key's
SHA-256, and the plaintext row is deleted."""

import hashlib

from django.db import migrations


def forwards(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    TokenSession = apps.get_model("concierge", "TokenSession")
    AccountSession = apps.get_model("accounts", "AccountSession")
    sessions = {s.token_id: s for s in TokenSession.objects.all()}
    for token in Token.objects.all().iterator():
        session = sessions.get(token.key)
        if session is None:  # never accepted: not issued by the service
            continue
        AccountSession.objects.create(
            user_id=token.user_id,
            kind="token",
            digest=hashlib.sha256(token.key.encode()).hexdigest(),
            password_fingerprint=session.password_fingerprint,
            created_at=token.created,
            last_used_at=session.last_used_at,
            authenticated_at=token.created,
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("concierge", "0008_token_sessions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
