from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # Registers the object permissions (rules predicates) of cases/access.py.
        import cases.access

        # Records every change of a user's roles, from the admin or a shell (a signal receiver).
        import cases.staff_accounts

        # Keeps the list of each account's signed-in sessions (signal receivers).
        import cases.staff_sessions  # noqa: F401
        from cases.roles import sync_role_groups

        # The role groups follow cases/roles.py after every migrate, so a permission added there
        # reaches every deployment without a hand-written data migration.
        post_migrate.connect(sync_role_groups, sender=self)
