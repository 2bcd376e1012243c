"""Recurring django-q2 schedules, declared by each app as `SCHEDULES` in its `jobs.py`.

`manage.py sync_schedules` (run by `make run` and after deploys) creates or updates them
by name, so running it twice changes nothing. A declaration is a dict of
`django_q.models.Schedule` fields: `name`, `func`, `schedule_type`, `minutes`, ...
"""

from importlib import import_module

from django.apps import apps

OUR_APPS = ("concierge", "assistants", "billing", "calendar_sync")


def declared_schedules():
    for label in OUR_APPS:
        try:
            module = import_module(f"{apps.get_app_config(label).name}.jobs")
        except ModuleNotFoundError:
            continue
        yield from getattr(module, "SCHEDULES", ())


def sync_schedules():
    from django_q.models import Schedule

    names = []
    for declaration in declared_schedules():
        fields = dict(declaration)
        name = fields.pop("name")
        Schedule.objects.update_or_create(name=name, defaults=fields)
        names.append(name)
    return names
