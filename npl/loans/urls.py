from django.urls import path

from npl.loans import views

app_name = "loans"
urlpatterns = [
    path("", views.LoanListView.as_view(), name="list"),
    path("borrowers/<int:pk>/", views.borrower_detail, name="borrower"),
    path("borrowers/<int:pk>/reveal-id/", views.reveal_id, name="reveal_id"),
    path("borrowers/<int:pk>/reveal-phone/", views.reveal_phone, name="reveal_phone"),
    path("<str:loan_no>/", views.loan_detail, name="detail"),
]
