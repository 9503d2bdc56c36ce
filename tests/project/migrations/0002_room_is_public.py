from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("project", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="room",
            name="is_public",
            field=models.BooleanField(default=False),
        ),
    ]
