"""节假日安排: the district admin's page for the holiday schedule table (a year the library lacks, or a correction)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from npl.accounts.choices import Role
from npl.collection.clocks.calendar import remove_calendar_day, set_calendar_days, year_overview
from npl.collection.forms import DateInput
from npl.core.models import CalendarEntry


class CalendarDaysForm(forms.Form):
    """One stretch of the State Council's notice: its days off, or one 调休 working day."""

    start = forms.DateField(label="开始日期", widget=DateInput())
    end = forms.DateField(label="结束日期", required=False, widget=DateInput(), help_text="只录一天可不填")
    kind = forms.ChoiceField(label="类型", choices=CalendarEntry.Kind.choices)
    name = forms.CharField(label="节日名称", max_length=40, required=False, help_text="放假日必填，如“国庆节”")
    note = forms.CharField(label="依据", max_length=200, required=False, help_text="如“国务院办公厅关于2027年部分节假日安排的通知”")


def _require_admin(user):
    if user.role != Role.DISTRICT_ADMIN and not user.is_superuser:
        raise PermissionDenied("只有区金融办可以维护节假日安排")


@login_required
def calendar(request):
    """The years and where their schedules come from, the district's entries, and a form to add a stretch of days."""
    _require_admin(request.user)
    form = CalendarDaysForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rows = set_calendar_days(request.user, d["start"], d["end"], d["kind"], d["name"], d["note"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"已录入 {len(rows)} 天")
            return redirect("collection:calendar")
    today = timezone.localdate()
    ctx = {
        "years": year_overview(today),
        "entries": CalendarEntry.objects.select_related("updated_by").order_by("-day")[:400],
        "form": form,
    }
    return render(request, "collection/calendar.html", ctx)


@login_required
@require_POST
def calendar_remove(request, pk: int):
    """Delete one entry of the table."""
    _require_admin(request.user)
    try:
        row = remove_calendar_day(request.user, pk)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已删除 {row}")
    return redirect("collection:calendar")
