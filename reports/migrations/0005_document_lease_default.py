"""A document written outside reports.services (a shell, a fixture) gets a claim deadline too,
so the constraint that every unfinished document has one holds without it having to know. The
default lives in Python only: no change to the table."""

import reports.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0004_document_leases'),
    ]

    operations = [
        migrations.AlterField(
            model_name='document',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, default=reports.models.default_claim_deadline, null=True),
        ),
        migrations.AlterField(
            model_name='historicaldocument',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, default=reports.models.default_claim_deadline, null=True),
        ),
    ]
