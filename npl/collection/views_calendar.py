"""节假日安排: the holiday schedule table (a year the library lacks, or a correction) — a district admin edits their
district's own calendar, the 省金融办 the province default (npl.core.tenancy)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from npl.collection.clocks.calendar import KIND, remove_calendar_day, set_calendar_days, year_overview
from npl.collection.forms import DateInput
from npl.core import tenancy
from npl.core.models import CalendarEntry


class CalendarDaysForm(forms.Form):
    """One stretch of the State Council's notice: its days off, or one 调休 working day."""

    start = forms.DateField(label="开始日期", widget=DateInput())
    end = forms.DateField(label="结束日期", required=False, widget=DateInput(), help_text="只录一天可不填")
    kind = forms.ChoiceField(label="类型", choices=CalendarEntry.Kind.choices)
    name = forms.CharField(label="节日名称", max_length=40, required=False, help_text="放假日必填，如“国庆节”")
    note = forms.CharField(label="依据", max_length=200, required=False, help_text="如“国务院办公厅关于2027年部分节假日安排的通知”")


@login_required
def calendar(request):
    """Whose calendar this is (本区自定 / 本区沿用省级默认 / 省级默认), the years and where their schedules come from,
    its entries, and a form to add a stretch of days."""
    tenancy.editing_district(request.user, KIND)  # district admins and the 省金融办; anyone else 403
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
    t = tenancy.page_context(request.user, KIND)
    entries = CalendarEntry.objects.filter(**tenancy.of_owner(t["owner"]))
    ctx = {
        "tenancy": t,
        "years": year_overview(today, t["district_id"]),
        "entries": entries.select_related("updated_by").order_by("-day")[:400],
        # A district following the default sees the default's entries, which only the 省金融办 deletes.
        "may_delete": t["owner"] == t["district_id"],
        "form": form,
    }
    return render(request, "collection/calendar.html", ctx)


@login_required
@require_POST
def calendar_remove(request, pk: int):
    """Delete one entry of the calendar this person edits."""
    try:
        row = remove_calendar_day(request.user, pk)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已删除 {row}")
    return redirect("collection:calendar")
