"""The public report form, and a sent report's pages for the person who filed it, mounted at
/report/."""

from django.urls import path

from intake import follow_up_views, views

app_name = "intake"

urlpatterns = [
    path("", views.start, name="start"),
    path("privacy/", views.privacy, name="privacy"),
    path("your-rights/", views.rights, name="rights"),
    path("leave/", views.leave, name="leave"),
    path("start-over/", views.start_over, name="start-over"),
    path("review/", views.review, name="review"),
    # Signing in to a sent report with its tracking code and secret (the status lookup).
    path("status/", follow_up_views.sign_in, name="status"),
    path("your-report/", follow_up_views.your_report, name="your-report"),
    path("your-report/add/", follow_up_views.add_information, name="add-information"),
    path(
        "your-report/questions/<int:question_id>/answer/",
        follow_up_views.answer,
        name="answer",
    ),
    path("your-report/sign-out/", follow_up_views.sign_out, name="sign-out"),
    path("<slug:slug>/", views.step, name="step"),
]
