"""`manage.py migrate`, Django's own, with what a newcomer's first run needs.

- Progress: each migration is numbered, `[37/58] Applying billing.0002...`, so a long
  first migrate shows how far it has gone.
- Speed on a fresh SQLite file. Replaying dj-stripe's history is most of a first run: its
  second migration removes 514 fields one by one, and SQLite can only drop most of them by
  copying the table, each time re-rendering dozens of related models — minutes of CPU.
  When the database holds no migration at all, dj-stripe's tables are instead created
  directly from the state its migrations end in (the same state Django computes from
  those files, rendered once), and its migrations are recorded as applied; everything
  else is migrated as usual. The migration files are not changed, and only an empty
  SQLite database takes this path: any database that has been migrated before, and every
  other database engine (PostgreSQL in production and CI), replays every migration.
  During that first migrate SQLite also skips waiting for the disk (`synchronous=OFF`,
  `journal_mode=MEMORY`; the connection's settings are restored afterwards): if it is cut
  short the file may be damaged, but it holds nothing yet — delete it and run again.
"""

from django.core.management.commands import migrate
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

FAST_PRAGMAS = {"synchronous": "OFF", "journal_mode": "MEMORY"}
# Third-party apps whose long migration history a fresh SQLite database skips.
FROM_FINAL_STATE = ("djstripe",)


def is_fresh_sqlite(connection) -> bool:
    """SQLite and no migration recorded: nothing is lost if the first migrate is cut short."""
    if connection.vendor != "sqlite":
        return False
    recorder = MigrationRecorder(connection)
    return not recorder.has_table() or not recorder.migration_qs.exists()


def set_pragmas(connection, pragmas: dict[str, str]) -> dict[str, str]:
    """Set each pragma; return the values they had (synchronous as a number, 2 = FULL)."""
    previous = {}
    with connection.cursor() as cursor:
        for name, value in pragmas.items():
            cursor.execute(f"PRAGMA {name}")
            previous[name] = str(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {name} = {value}")
    return previous


class Command(migrate.Command):
    help = migrate.Command.help + " Numbers each migration; quick on a fresh SQLite database."

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        executor = MigrationExecutor(connection)
        self.verbosity = options["verbosity"]
        self.total = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        self.done = 0
        shortcut = (
            is_fresh_sqlite(connection)
            and not options["app_label"]
            and not options["fake"]
            and not options["plan"]
            and not options["check_unapplied"]
        )
        if not shortcut:
            return super().handle(*args, **options)
        if self.verbosity >= 1 and self.total:
            self.stdout.write(f"Fresh SQLite database: {self.total} migrations to apply.")
        previous = set_pragmas(connection, FAST_PRAGMAS)
        try:
            for app_label in FROM_FINAL_STATE:
                self.create_from_final_state(connection, app_label)
            return super().handle(*args, **options)
        finally:
            set_pragmas(connection, previous)

    def create_from_final_state(self, connection, app_label: str) -> None:
        """Migrate what `app_label`'s migrations depend on, create its tables from the
        state its last migration leaves, and record its migrations as applied."""
        executor = MigrationExecutor(connection, self.migration_progress_callback)
        graph = executor.loader.graph
        own = sorted(key for key in graph.nodes if key[0] == app_label)
        if not own:
            return  # not installed, or migrations disabled (the test suite)
        needs = {
            parent.key
            for key in own
            for parent in graph.node_map[key].parents
            if parent.key[0] != app_label
        }
        executor.migrate(sorted(needs))
        leaf = graph.leaf_nodes(app_label)
        state = executor.loader.project_state(leaf, at_end=True)
        if self.verbosity >= 1:
            self.stdout.write(
                f"  [{self.done + 1}-{self.done + len(own)}/{self.total}] Creating {app_label}'s "
                f"tables as its {len(own)} migrations leave them...",
                ending="",
            )
            self.stdout.flush()
        with connection.schema_editor() as editor:
            for model in state.apps.get_app_config(app_label).get_models():
                editor.create_model(model)
        for key in own:
            executor.recorder.record_applied(*key)
        self.done += len(own)
        if self.verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(" OK"))

    def migration_progress_callback(self, action, migration=None, fake=False):
        if action in ("apply_start", "unapply_start") and self.verbosity >= 1 and self.total:
            self.done += 1
            width = len(str(self.total))
            self.stdout.write(f"  [{self.done:>{width}}/{self.total}]", ending="")
        super().migration_progress_callback(action, migration, fake)
