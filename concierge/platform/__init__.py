"""The platform under the core domain: what any app of the project builds on and that
knows nothing of users, clients, tasks or any other domain model — the job outbox and the
idempotency keys' tables (`outbox`, `models`), the histories read as views of the audit log
(`history`), field encryption (`crypto`), bounded work in a child interpreter (`bounded`) and
the cache that outlives a Redis outage (`cache`). Nothing here imports the domain
(tests/test_layering.py checks it); the domain and the apps above it import from here."""
