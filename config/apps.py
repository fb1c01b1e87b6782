"""Application configurations of the project itself."""

from django.contrib.admin.apps import AdminConfig


class RightsDeskAdminConfig(AdminConfig):
    """Django's admin, with our site (config/admin_site.py) as `admin.site`: every ModelAdmin
    registered with `@admin.register` lands on it, and its `has_permission` guards every page."""

    default_site = "config.admin_site.RightsDeskAdminSite"
