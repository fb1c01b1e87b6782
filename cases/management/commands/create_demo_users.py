import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cases import two_factor
from cases.roles import ADMIN_SITE_ROLES, Role, sync_role_groups

DEMO_USERS = [
    ("liaison", "Lee", "Liaison", Role.LIAISON),
    ("legal", "Lena", "Legal", Role.LEGAL),
    ("admin", "Ada", "Admin", Role.ADMINISTRATOR),
]


class Command(BaseCommand):
    help = (
        "Create (or reset) one demo user per role and print their logins. Development only: "
        "refuses to run with DEBUG off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password", default=None,
            help="Use this password for all three instead of a new random one each.",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo users are for development; DEBUG is off here.")
        sync_role_groups()
        User = get_user_model()
        lines = []
        for username, first, last, role in DEMO_USERS:
            password = options["password"] or secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@rightsdesk.invalid"
            # Kept in step with the role for anything of Django's that reads the flag; it admits
            # no one: the admin site asks the role (cases.roles.may_use_admin_site).
            user.is_staff = role in ADMIN_SITE_ROLES
            user.is_superuser = False
            user.is_active = True
            user.set_password(password)
            user.save()
            # Straight on the relation, as from a shell: the change is recorded with no actor
            # (cases.staff_accounts), and a new legal staff member is announced to legal staff.
            user.groups.set([Group.objects.get(name=role.value)])
            # Every account needs a second factor: a confirmed app device whose current code
            # `manage.py demo_otp <username>` prints (the secret is shown too, for a real app).
            device = two_factor.demo_app_device(user=user)
            where = {
                Role.LIAISON: "/staff/",
                Role.LEGAL: "/staff/ and /admin/",
                Role.ADMINISTRATOR: "/admin/",
            }[role]
            lines.append(
                f"  {role.value:<15} username {username:<8} password {password}  (signs in at "
                f"http://127.0.0.1:8000{where.replace(' and /', ' and http://127.0.0.1:8000/')})"
                f"\n  {'':<15} app secret {two_factor.secret_text(device)}"
            )
        self.stdout.write("Demo logins (passwords are new each time this command runs):")
        self.stdout.write("\n".join(lines))
        self.stdout.write(
            "After the password each asks for a code: run `python manage.py demo_otp <username>` "
            "for the current one, or add the app secret to an authenticator app."
        )
