"""The upload form: its fields depend on the kind and on what the person may choose."""
from pathlib import Path

from django import forms

from npl.categories.choices import LOAN_LIST_KINDS, ROSTER_KINDS
from npl.intake import permissions
from npl.intake.readers import MB, limit
from npl.org.models import Township

ACCEPTED_SUFFIXES = (".xlsx", ".xls", ".csv")


class UploadForm(forms.Form):
    """文件上传：文件、数据日期、名单类型、名单范围和选项；字段按类型和角色增减。"""

    file = forms.FileField(label="文件", help_text="Excel（.xlsx、.xls）或 CSV（UTF-8 或 GBK/GB18030 编码）")
    sub_kind = forms.ChoiceField(label="名单类型", choices=())
    as_of = forms.DateField(
        label="数据日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="名单或清单自该日起生效；不填则取表头上方的“统计日期”，没有则为今天",
    )
    township = forms.ModelChoiceField(
        label="名单范围", queryset=Township.objects.none(), required=False, empty_label="全区", help_text="只适用于所选乡镇的贷款"
    )
    sheet = forms.CharField(label="工作表名称", required=False, max_length=100, help_text="不填为第一个工作表")
    create_units = forms.BooleanField(label="新建不存在的乡镇和网点", required=False)
    skip_invalid = forms.BooleanField(
        label="跳过错误行", required=False, help_text="不勾选时，只要有一行错误就什么也不写入；勾选后写入其余正确的行"
    )

    def __init__(self, *args, kind: str, user, initial_sub_kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self._offer_mappings(kind, user)
        if kind == "roster":
            self.fields["sub_kind"].choices = list(ROSTER_KINDS.items())
            if initial_sub_kind in ROSTER_KINDS:
                self.fields["sub_kind"].initial = initial_sub_kind
        elif kind == "loan-list":
            self.fields["sub_kind"].choices = list(LOAN_LIST_KINDS.items())
            self.fields["sub_kind"].label = "清单类型"
        else:
            del self.fields["sub_kind"]
        if kind not in permissions.TAKES_AS_OF:
            del self.fields["as_of"]
        elif kind == "loans":
            self.fields["as_of"].help_text = "银行余额快照的日期；不填则取表头上方的“统计日期”，没有则为今天"
        elif kind == "litigation":
            self.fields["as_of"].help_text = "案件没有起诉日期时，自该日起计为涉诉；不填则取“统计日期”或今天"
        # A township admin's rosters are always their own township's: no field to pick another.
        if kind in permissions.SCOPED_KINDS and permissions.may_choose_township(user):
            self.fields["township"].queryset = Township.objects.order_by("name")
        else:
            del self.fields["township"]
        if kind != "loans" or not permissions.may_create_units(user):
            del self.fields["create_units"]

    def _offer_mappings(self, kind: str, user) -> None:
        # Saved column mappings of this kind (issue 13): offered when there are any.
        from npl.intake.mappings import offered

        saved = offered(user, kind)
        if saved.exists():
            self.fields["mapping"] = forms.ModelChoiceField(
                label="列映射", queryset=saved, required=False, empty_label="自动识别列",
                help_text="文件的列名与系统不同时，选用上次保存的列映射",
            )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(f"不支持的文件类型“{suffix or upload.name}”：请上传 .xlsx、.xls 或 .csv 文件")
        if upload.size == 0:
            raise forms.ValidationError("文件是空的")
        max_mb = limit("NPL_IMPORT_MAX_FILE_MB")
        if upload.size > max_mb * MB:
            raise forms.ValidationError(f"文件过大：{upload.size / MB:.1f} MB，上限为 {max_mb} MB（可分成几个文件上传）")
        return upload


class CommitForm(forms.Form):
    """确认导入：是否跳过错误行。"""

    skip_invalid = forms.BooleanField(required=False)


class ColumnMappingForm(forms.Form):
    """列映射：每个字段读取文件中的哪一列；可保存为命名的列映射，下次上传时选用。"""

    AUTO = ""

    def __init__(self, *args, columns, file_columns: list[str], chosen: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = chosen or {}
        options = [(self.AUTO, "（自动识别）")] + [(c, c) for c in file_columns]
        self.columns = columns
        for col in columns:
            self.fields[f"col_{col.field}"] = forms.ChoiceField(
                label=f"{col.label}{' *' if col.required else ''}", choices=options, required=False,
                initial=chosen.get(col.field, self.AUTO),
            )
        self.fields["name"] = forms.CharField(
            label="保存为列映射", required=False, max_length=100,
            help_text="填写名称（如“柳溪支行信贷系统导出”）即保存，下次上传时可直接选用；不填则只用于本次",
        )
        self.fields["source"] = forms.CharField(label="文件来源", required=False, max_length=100)

    def mapping_fields(self):
        return [self[f"col_{col.field}"] for col in self.columns]

    def chosen_columns(self) -> dict:
        """{field: column name} for the fields given a column (automatic ones left out)."""
        return {col.field: self.cleaned_data[f"col_{col.field}"] for col in self.columns
                if self.cleaned_data.get(f"col_{col.field}")}

    def clean(self):
        data = super().clean()
        picked = [v for k, v in data.items() if k.startswith("col_") and v]
        twice = sorted({v for v in picked if picked.count(v) > 1})
        if twice:
            raise forms.ValidationError(f"同一列不能对应两个字段：{'、'.join(twice)}")
        return data
