"""Skills name categories (concierge.Category codes): every skill already held joins the
vocabulary, and each profile's skills are rewritten to those codes."""

from django.db import migrations
from django.utils.text import slugify


def skills_to_codes(apps, schema_editor):
    Category = apps.get_model("concierge", "Category")
    AssistantProfile = apps.get_model("assistants", "AssistantProfile")
    known = set(Category.objects.values_list("code", flat=True))
    for profile in AssistantProfile.objects.all():
        codes = []
        for skill in profile.skills or []:
            code = slugify(str(skill))[:64]
            if not code:
                continue
            if code not in known:
                Category.objects.create(code=code, label=str(skill)[:100], position=100)
                known.add(code)
            if code not in codes:
                codes.append(code)
        if codes != profile.skills:
            profile.skills = codes
            profile.save(update_fields=["skills"])


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0007_time_entry_list_index"),
        ("concierge", "0010_categories"),
    ]

    operations = [migrations.RunPython(skills_to_codes, migrations.RunPython.noop)]
