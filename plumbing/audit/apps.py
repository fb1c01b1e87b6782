from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "plumbing.audit"
    label = "audit"
    verbose_name = "Audit chain"
