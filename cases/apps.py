from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # Registers the object permissions (rules predicates) of cases/access.py.
        import cases.access

        # Registers the deployment check of the passkey settings.
        import cases.passkeys

        # Records every change of a user's roles, from the admin or a shell (a signal receiver).
        import cases.staff_accounts

        # A session speaks the language its account chose, from sign-in (a signal receiver).
        import cases.staff_language

        # Keeps the list of each account's signed-in sessions (signal receivers).
        import cases.staff_sessions  # noqa: F401
        from cases.roles import sync_role_groups

        # The role groups follow cases/roles.py after every migrate, so a permission added there
        # reaches every deployment without a hand-written data migration.
        post_migrate.connect(sync_role_groups, sender=self)

        # Devices hold the secrets codes are made from, and passkeys' keys: no admin page shows
        # them; they are only reset. Unregistered here, after the admin's autodiscovery (the
        # admin is the first app, so it is ready before this one): django-otp's plugins come
        # after `cases` in INSTALLED_APPS and register their admins later than
        # `cases/admin.py` is read. Their models can only be imported once the apps are loaded.
        from django.contrib import admin
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice
        from django_otp_webauthn.models import WebAuthnCredential

        for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
