"""The shared form include (templates/_form.html): every field labelled, errors named by field in Chinese."""
from django import forms
from django.template.loader import render_to_string


class _Sample(forms.Form):
    deadline = forms.DateField(label="约定还款期限")
    reason = forms.CharField(label="申请理由", widget=forms.Textarea, help_text="说明借款人的情况")
    exclude = forms.BooleanField(label="不计入考核", required=False)

    def clean(self):
        raise forms.ValidationError("该贷款已有待审批的减免申请")


def _render(form, **params):
    return render_to_string("_form.html", {"form": form, **params})


def test_a_refused_form_names_each_field_and_its_reason_above_the_fields():
    html = _render(_Sample(data={"deadline": "明天"}), submit="提交审批")
    summary = html.split('<div class="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "该贷款已有待审批的减免申请" in summary
    assert '<a href="#id_deadline">约定还款期限</a>：输入一个有效的日期。' in summary
    assert '<a href="#id_reason">申请理由</a>：该字段是必填项。' in summary


def test_fields_carry_label_required_mark_help_and_the_submit_label_given():
    html = _render(_Sample(), submit="提交审批", cancel="/waivers/", cancel_label="返回")
    assert '<label for="id_reason">申请理由 <span class="req" aria-label="必填">*</span></label>' in html
    assert 'id="id_reason_helptext">说明借款人的情况</p>' in html
    assert "不计入考核" in html and 'class="form-field form-check' in html
    assert '<button type="submit" class="button primary">提交审批</button>' in html
    assert '<a class="button" href="/waivers/">返回</a>' in html
    assert "form-errors" not in html  # an unbound form shows no error box


def test_without_a_label_the_button_says_save_and_a_second_button_is_optional():
    assert ">保存</button>" in _render(_Sample())
    html = _render(_Sample(), alt_name="delete", alt_label="删除该档次")
    assert '<button type="submit" name="delete" value="1" class="button">删除该档次</button>' in html
