"""Staff pages, mounted at /staff/."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from cases import (
    account_views,
    case_views,
    passkey_views,
    queue_views,
    retention_views,
    two_factor_views,
    views,
)

app_name = "cases"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:queue"), name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("verify/", two_factor_views.verify, name="verify"),
    path("enrol/", two_factor_views.enrol, name="enrol"),
    path("enrol/qr-code.svg", two_factor_views.enrol_qr_code, name="enrol-qr-code"),
    path("enrol/passkey/", passkey_views.enrol_passkey, name="enrol-passkey"),
    path("enrol/recovery-codes/", passkey_views.enrol_recovery_codes, name="enrol-recovery-codes"),
    path("account/sign-in-methods/", passkey_views.sign_in_methods, name="sign-in-methods"),
    path(
        "account/sign-in-methods/passkeys/<int:credential_id>/remove/",
        passkey_views.remove_passkey,
        name="remove-passkey",
    ),
    path(
        "account/sign-in-methods/recovery-codes/",
        passkey_views.new_recovery_codes,
        name="new-recovery-codes",
    ),
    # My account, passwords and sessions (cases/account_views.py). The reset pages need no
    # account; their paths are in cases/two_factor.py OPEN_PATHS.
    path("account/", account_views.account, name="account"),
    path("account/language/", account_views.account_language, name="account-language"),
    path(
        "account/password/", account_views.PasswordChangeView.as_view(), name="password-change"
    ),
    path("account/sessions/", account_views.sessions, name="sessions"),
    path("account/sessions/<int:session_id>/end/", account_views.end_session, name="end-session"),
    path(
        "account/sessions/end-others/",
        account_views.end_other_sessions,
        name="end-other-sessions",
    ),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/done/",
        account_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "reset/done/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("cases/", views.queue, name="queue"),
    path("cases/bulk/", views.bulk, name="bulk"),
    # Saved views of the queue and its CSV export (cases/queue_views.py); before the case page's
    # pattern, which would take "export.csv" or "views" for a reference.
    path("cases/export.csv", queue_views.export, name="queue-export"),
    path("cases/views/", queue_views.save, name="save-view"),
    path("cases/views/<int:view_id>/delete/", queue_views.delete, name="delete-view"),
    path("cases/<str:reference>/", case_views.case_page, name="case"),
    path("cases/<str:reference>/transition/", case_views.transition, name="transition"),
    path("cases/<str:reference>/assign/", case_views.assign, name="assign"),
    path("cases/<str:reference>/priority/", case_views.priority, name="priority"),
    path("cases/<str:reference>/due-date/", case_views.due_date, name="due-date"),
    path("cases/<str:reference>/tags/", case_views.tags, name="tags"),
    path("cases/<str:reference>/notes/", case_views.add_note, name="add-note"),
    path("cases/<str:reference>/merge/", case_views.merge, name="merge"),
    path("cases/<str:reference>/duplicates/", case_views.duplicates, name="duplicates"),
    path(
        "cases/<str:reference>/reports/<str:tracking_code>/questions/",
        case_views.ask_reporter,
        name="ask-reporter",
    ),
    path("cases/<str:reference>/legal-hold/", case_views.place_hold, name="place-hold"),
    path("cases/<str:reference>/legal-hold/lift/", case_views.lift_hold, name="lift-hold"),
    path("retention/upcoming/", retention_views.upcoming_purges, name="upcoming-purges"),
    path(
        "evidence/<int:evidence_id>/download/",
        case_views.download_evidence,
        name="download-evidence",
    ),
]
