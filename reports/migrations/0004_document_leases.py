"""Documents get a lease (reports/leases.py): the sweep hands back any unfinished row whose
lease lapsed, instead of queued rows after ten minutes and rendering rows after the hard time
limit. Unfinished rows get a deadline here, before the constraint that requires one: queued
rows now (the next sweep sends them again; a second delivery renders once), rendering rows the
moment the old rule would have swept them (a worker still running the code before this one
renews nothing, and must not be taken over before the hard time limit has ended it)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

# The old rule's margin on top of the hard time limit.
RENDERING_GRACE_SECONDS = 60


def give_unfinished_documents_a_deadline(apps, schema_editor):
    Document = apps.get_model("reports", "Document")
    now = timezone.now()
    window = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + RENDERING_GRACE_SECONDS)
    Document.objects.filter(status="queued").update(lease_expires_at=now)
    for document in Document.objects.filter(status="rendering").only("pk", "started_at"):
        deadline = document.started_at + window if document.started_at else now
        Document.objects.filter(pk=document.pk).update(lease_expires_at=deadline)


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_history_without_date_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='document',
            name='document_sweep_idx',
        ),
        migrations.AddField(
            model_name='document',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='document',
            name='lease_holder',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='document',
            name='lease_token',
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name='historicaldocument',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='historicaldocument',
            name='lease_holder',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='historicaldocument',
            name='lease_token',
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddIndex(
            model_name='document',
            index=models.Index(condition=models.Q(('status__in', ['queued', 'rendering'])), fields=['lease_expires_at'], name='document_lease_idx'),
        ),
        migrations.RunPython(give_unfinished_documents_a_deadline, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='document',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['queued', 'rendering']), _negated=True), ('lease_expires_at__isnull', False), _connector='OR'), name='unfinished_document_has_lease'),
        ),
    ]
