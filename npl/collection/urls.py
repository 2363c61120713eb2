from django.urls import path

from npl.collection import views, views_calendar, views_flow

app_name = "collection"
urlpatterns = [
    path("clocks/", views.clock_alerts, name="clock_alerts"),
    path("clocks/export.xlsx", views.clock_alerts_xlsx, name="clock_alerts_xlsx"),
    path("clocks/loan/<str:loan_no>/", views.loan_clocks, name="loan_clocks"),
    path("calendar/", views_calendar.calendar, name="calendar"),
    path("calendar/<int:pk>/delete/", views_calendar.calendar_remove, name="calendar_remove"),
    # 处置: a loan's flow and the field forms
    path("loans/<str:loan_no>/", views_flow.loan_flow, name="flow"),
    path("loans/<str:loan_no>/actions/new/", views_flow.action_new, name="action_new"),
    path("loans/<str:loan_no>/guarantor-demands/new/", views_flow.guarantor_demand_new, name="guarantor_demand_new"),
    path("loans/<str:loan_no>/repayments/new/", views_flow.repayment_new, name="repayment_new"),
    path("loans/<str:loan_no>/plan/new/", views_flow.plan_new, name="plan_new"),
    path("loans/<str:loan_no>/move/", views_flow.move, name="move"),
    path("loans/<str:loan_no>/suspend/", views_flow.suspend, name="suspend"),
    path("loans/<str:loan_no>/resume/", views_flow.resume, name="resume"),
    path("loans/<str:loan_no>/terms/", views_flow.terms, name="terms"),
    path("repayments/<int:pk>/review/", views_flow.repayment_review, name="repayment_review"),
    path("repayments/pending/", views_flow.repayment_queue, name="repayment_queue"),
    path("plans/<int:pk>/decide/", views_flow.plan_decide, name="plan_decide"),
    path("plans/pending/", views_flow.plan_queue, name="plan_queue"),
    path("actions/<int:pk>/evidence/", views_flow.action_evidence, name="action_evidence"),
    path("plans/<int:pk>/evidence/", views_flow.plan_evidence, name="plan_evidence"),
]
