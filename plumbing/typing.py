"""Names for annotations that more than one app uses."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Whom a page or a selector answers: an account, or nobody signed in (`request.user`).
User = AbstractBaseUser | AnonymousUser
