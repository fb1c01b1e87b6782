from django.contrib import admin
from django.db import models
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

# Registers the account, role group and role change admins (cases/account_admin.py).
import cases.account_admin  # noqa: F401
from cases.conflicts import Version, case_conflicts
from cases.models import Case, CaseNote, Tag
from intake.models import Report
from plumbing.admin import ReadOnlyMixin


@admin.register(Tag)
class TagAdmin(SimpleHistoryAdmin):
    search_fields = ["name"]


class ReportInline(ReadOnlyMixin, admin.TabularInline):
    # Django 6 reads an address typed without a scheme as https: so do we, now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    model = Report
    extra = 0
    fields = [
        "tracking_code",
        "channel",
        "source_outlet",
        "source_headline",
        "source_author",
        "source_published_on",
        "source_url",
        "source_file",
        "submitted_at",
    ]
    show_change_link = True


class CaseNoteInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseNote
    extra = 0
    fields = ["created_at", "author", "visibility", "body"]


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["reference", "title", "status", "priority", "assignee", "opened_at"]
    list_filter = [
        "status",
        "priority",
        "close_reason",
        "reports__encounter__kinds",
        "reports__encounter__agencies",
        "reports__channel",
        "tags",
    ]
    search_fields = [
        "reference",
        "title",
        "reports__tracking_code",
        "reports__encounter__city",
    ]
    list_select_related = ["assignee"]
    date_hierarchy = "opened_at"
    readonly_fields = ["source_conflicts"]
    inlines = [ReportInline, CaseNoteInline]

    def get_queryset(self, request):
        # Filtering across reports joins rows; one row per case is wanted.
        return super().get_queryset(request).distinct()

    @admin.display(description="Where the sources disagree")
    def source_conflicts(self, case: Case) -> SafeString | str:
        conflicts = case_conflicts(case)
        if not conflicts:
            return "The sources agree on every fact recorded."
        return format_html_join(
            "\n",
            "<p><strong>{}</strong>: {}</p>",
            ((c.label, " · ".join(_describe(v) for v in c.versions)) for c in conflicts),
        )


def _describe(version: Version) -> str:
    sources = ", ".join(
        r.source_outlet or r.source_headline or r.tracking_code for r in version.reports
    )
    return f"“{version.value}” ({sources})"
