"""Forms of the documents pages: dates for one loan's documents, a batch, a template upload."""
from django import forms

from npl.categories.choices import CATEGORIES
from npl.documents.choices import Format, Kind


def _date():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def category_choices():
    out = [("", "（不限）")]
    for cat in CATEGORIES:
        out.append((cat.code, cat.name))
        out.extend((sub.code, f"　{sub.name}") for sub in cat.subcategories)
    return out


class DatesForm(forms.Form):
    """The day the figures are taken on, and (notice) the day to pay by."""

    fmt = forms.ChoiceField(choices=Format.choices, widget=forms.HiddenInput)
    as_of = forms.DateField(label="文书日期", required=False, widget=_date())
    pay_by = forms.DateField(label="限期还款日（催收通知书，默认30天后）", required=False, widget=_date())


class BatchForm(forms.Form):
    """A township's (or a category's) documents in one file."""

    kind = forms.ChoiceField(label="文书类型", choices=Kind.choices)
    township = forms.ModelChoiceField(label="乡镇", queryset=None, required=False, empty_label="（全区）")
    category = forms.ChoiceField(label="特殊类别", choices=(), required=False)
    fmt = forms.ChoiceField(label="格式", choices=Format.choices, initial=Format.PDF)
    as_of = forms.DateField(label="文书日期", required=False, widget=_date())
    pay_by = forms.DateField(label="限期还款日（催收通知书，默认30天后）", required=False, widget=_date())

    def __init__(self, *args, townships, district_wide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["category"].choices = category_choices()
        if not district_wide:
            # a township admin prints for its own township only
            self.fields["township"].required = True
            self.fields["township"].empty_label = None


class TemplateUploadForm(forms.Form):
    kind = forms.ChoiceField(label="文书类型", choices=Kind.choices)
    file = forms.FileField(label="Word 模板（.docx）")
    note = forms.CharField(label="说明", max_length=300, required=False)
