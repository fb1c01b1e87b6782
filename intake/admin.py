from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from intake.models import (
    Agency,
    Complainant,
    Encounter,
    EncounterKind,
    Evidence,
    PerceivedBasis,
    Report,
    ReportAddition,
    ReportFact,
    ReportMessage,
    Witness,
)
from plumbing.admin import ReadOnlyMixin


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["parent"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # reports refer to agencies; retire one with is_active instead


@admin.register(EncounterKind)
class EncounterKindAdmin(SimpleHistoryAdmin):
    list_display = ["label", "code", "severity", "sort_order", "is_active"]
    list_filter = ["severity", "is_active"]
    search_fields = ["label", "code", "public_label"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PerceivedBasis)
class PerceivedBasisAdmin(SimpleHistoryAdmin):
    list_display = ["label", "code", "sort_order"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ComplainantInline(ReadOnlyMixin, admin.StackedInline):
    model = Complainant
    extra = 0


class EncounterInline(ReadOnlyMixin, admin.StackedInline):
    model = Encounter
    extra = 0
    filter_horizontal = ["kinds", "agencies", "perceived_basis"]


class WitnessInline(ReadOnlyMixin, admin.StackedInline):
    model = Witness
    extra = 0


class EvidenceInline(ReadOnlyMixin, admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["original_name", "content_type", "size", "sha256", "description", "uploaded_at"]


class ReportFactInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportFact
    extra = 0
    fields = ["label", "value"]
    verbose_name = "fact as this source states it"
    verbose_name_plural = "facts as this source states them"


class ReportAdditionInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportAddition
    extra = 0
    fields = ["kind", "body", "added_at"]
    verbose_name = "addition by the person who reported"
    verbose_name_plural = "additions by the person who reported"


class ReportMessageInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportMessage
    fk_name = "report"
    extra = 0
    fields = ["direction", "author", "body", "reply_to", "sent_at", "read_at"]
    readonly_fields = ["read_at"]


@admin.register(Report)
class ReportAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    # Django 6 reads an address typed without a scheme as https: so do we, now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["tracking_code", "case", "channel", "language", "source_outlet", "submitted_at"]
    list_filter = ["channel", "language", "submitted_at"]
    # Sealed columns (plumbing/keys/fields.py) cannot match a search: none are searched.
    search_fields = [
        "tracking_code",
        "case__reference",
        "source_headline",
        "source_outlet",
        "source_file",
    ]
    list_select_related = ["case"]
    date_hierarchy = "submitted_at"
    exclude = ["secret_hash"]
    inlines = [
        EncounterInline,
        ComplainantInline,
        WitnessInline,
        EvidenceInline,
        ReportFactInline,
        ReportAdditionInline,
        ReportMessageInline,
    ]


@admin.register(Complainant)
class ComplainantAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "role", "report", "safe_to_contact"]
    list_filter = ["role", "is_anonymous", "safe_to_contact"]
    search_fields = ["report__tracking_code"]
    list_select_related = ["report"]


@admin.register(Encounter)
class EncounterAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["report", "occurred_at", "city", "agents_identified"]
    list_filter = ["kinds", "agencies", "agents_identified", "city"]
    search_fields = ["report__tracking_code", "city"]
    list_select_related = ["report"]


@admin.register(Witness)
class WitnessAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "report", "willing_to_be_contacted"]
    search_fields = ["report__tracking_code"]
    list_select_related = ["report"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["original_name", "report", "content_type", "size", "sha256"]
    list_filter = ["content_type"]
    search_fields = ["sha256", "report__tracking_code"]
    exclude = ["file"]
    list_select_related = ["report"]


@admin.register(ReportFact)
class ReportFactAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["label", "value", "report"]
    search_fields = ["label", "report__tracking_code"]
    list_select_related = ["report"]


@admin.register(ReportAddition)
class ReportAdditionAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "report", "kind", "added_at"]
    list_filter = ["kind"]
    search_fields = ["report__tracking_code"]
    list_select_related = ["report"]


@admin.register(ReportMessage)
class ReportMessageAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "report", "direction", "author", "sent_at", "read_at"]
    list_filter = ["direction"]
    search_fields = ["report__tracking_code"]
    list_select_related = ["report", "author"]
