from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import two_factor


class Command(BaseCommand):
    help = (
        "Print the current second-factor code of a demo user's app. Development only: refuses "
        "to run with DEBUG off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo codes are for development; DEBUG is off here.")
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            raise CommandError(
                f"{user.get_username()} has no authenticator app yet: they add one at their "
                "next sign-in (or run create_demo_users again for the demo users)."
            )
        self.stdout.write(two_factor.current_code(device))
