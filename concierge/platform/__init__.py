"""The platform under the core domain: what any app of the project builds on and that
knows nothing of users, clients, tasks or any other domain model — the job outbox, and its
and the idempotency keys' tables. Nothing here imports the domain (tests/test_layering.py
checks it); the domain and the apps above it import from here."""
