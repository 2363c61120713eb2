"""What each document says: one context (plain strings) per document, shared by the Word and the PDF layouts.

The builders read loans and plans but change nothing. Amounts are Decimal in 元, shown as `1,234.50` and,
where legal documents use them, in Chinese capitals (`chinese_capital`). Keys are the template's
vocabulary: docs/documents.md lists them for whoever edits a Word template.
"""
import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from npl.core.money import chinese_capital, yuan
from npl.org.models import District

LEGAL_BASIS = (
    "根据《中华人民共和国民法典》第六百七十五条、第六百七十六条，借款人应当按照约定的期限返还借款；"
    "未按照约定的期限返还借款的，应当按照约定或者国家有关规定支付逾期利息。"
)
LIMITATION_TEXT = (
    "本通知书经借款人或其共同生活的成年家属签收，即构成贷款人向借款人主张权利，"
    "依照《中华人民共和国民法典》第一百九十五条，诉讼时效从签收之日起重新计算。"
)
PUBLIC_NOTICE_TEXT = (
    "下列借款人在{bank}的借款已逾期，经多方查找无法取得联系。现依法公告催收：请下列借款人（含其继承人、"
    "财产代管人）自本公告刊登之日起三十日内，到贷款经办网点归还所欠借款本金及利息。逾期不还的，{bank}将依法"
    "提起诉讼，并申请人民法院强制执行。本公告刊登之日即视为催收通知送达之日，诉讼时效自该日起重新计算"
    "（《中华人民共和国民法典》第一百九十五条）。"
)
PLAIN_EXPLANATION = (
    "本明白纸按照全区统一公布的减免政策（一把尺子）计算：同样的情况，同样的结果。"
    "可减免部分在您按约定还清应还金额后办理（先还后免）；如未按约定还款，已减免的利息将恢复。"
    "本纸所列个人金额仅向您本人告知，请妥善保管。"
)


class NoPlan(ValidationError):
    """The loan has no active repayment plan, so there is no repayment agreement to print."""


def money(value) -> str:
    """1234.5 → '1,234.50' (元)."""
    return f"{yuan(value):,.2f}"


def date_cn(day: dt.date | None) -> str:
    """2026-03-31 → '2026年3月31日' (how documents date themselves)."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def _amount(ctx: dict, key: str, value) -> None:
    """Put an amount into a context twice: figures and Chinese capitals (key_capital)."""
    ctx[key] = money(value)
    ctx[f"{key}_capital"] = chinese_capital(value)


BLANK = "＿＿＿＿＿＿"  # left for a pen when the platform does not know the value


def _person(user) -> tuple[str, str]:
    if user is None:
        return BLANK, BLANK
    return (user.display_name or user.username), (user.phone or BLANK)


def loan_basics(loan, as_of: dt.date, owed, *, district: str | None = None) -> dict:
    """The parties and the loan's facts every per-loan document shows.

    `owed` is the loan's payoff on `as_of` (npl.waivers.payoff.Payoff: principal, interest, penalty, compound,
    costs), so the notice, the agreement and the plain sheet of one day state the same debt. A batch passes
    the district's name (read once) instead of each document reading it again.
    """
    branch = loan.branch
    bank = branch.bank.name if getattr(branch, "bank", None) is not None else ""
    # Whom the borrower asks: the responsible person, else the responsible leader, else the township's team
    # and the branch — never a blank line on a sheet handed to a borrower.
    person, phone = _person(loan.responsible_person or loan.responsible_leader)
    if person == BLANK:
        person = f"{loan.township.name}清收工作专班或{branch.name}"
    ctx = {
        "district": (district if district is not None else District.current().name) if loan.township_id else "",
        "bank": bank,
        "branch": branch.name,
        "township": loan.township.name,
        "community": loan.community.name if loan.community_id else "",
        "borrower_name": loan.borrower.name,
        "id_masked": loan.borrower.id_masked,
        "address": loan.borrower.registered_address or "",
        "loan_no": loan.loan_no,
        "contract_no": loan.contract_no or "——",
        "issue_date": date_cn(loan.issue_date),
        "maturity_date": date_cn(loan.maturity_date),
        "guarantee": loan.guarantee,
        "as_of": date_cn(as_of),
        "responsible_person": person,
        "responsible_phone": phone,
    }
    _owed(ctx, owed)
    _amount(ctx, "amount", loan.amount)
    return ctx


def _owed(ctx: dict, owed) -> None:
    """principal, interest (表内外欠息 + 罚息 + 复利), costs and their total, each also in capitals."""
    interest = owed.interest + owed.penalty + owed.compound
    _amount(ctx, "principal", owed.principal)
    _amount(ctx, "interest", interest)
    _amount(ctx, "costs", owed.costs)
    _amount(ctx, "total_owed", owed.principal + interest + owed.costs)


def notice_context(loan, as_of: dt.date, pay_by: dt.date, owed, *, district: str | None = None) -> dict:
    """催收通知书 with its 回执: what is owed on `as_of` (the payoff), pay by `pay_by`, the legal basis."""
    ctx = loan_basics(loan, as_of, owed, district=district)
    ctx.update(
        title="催收通知书",
        notice_no=f"{loan.loan_no}-{as_of:%Y%m%d}",
        pay_by=date_cn(pay_by),
        legal_basis=LEGAL_BASIS,
        limitation_text=LIMITATION_TEXT,
    )
    return ctx


def active_plan(loan):
    """The loan's plan being signed or carried out (submitted or approved), or None."""
    from npl.collection.choices import ACTIVE_PLAN_STATUSES

    return (
        loan.plans.filter(status__in=[s.value for s in ACTIVE_PLAN_STATUSES]).prefetch_related("instalments").first()
    )


def agreement_context(loan, as_of: dt.date, owed, plan=None, *, district: str | None = None) -> dict:
    """还款协议书 for the loan's active 一笔一策 plan: instalments, total in capitals, signatures."""
    plan = plan or active_plan(loan)
    if plan is None:
        raise NoPlan(f"借据 {loan.loan_no} 没有正在执行或待审批的还款计划，无法生成还款协议书（请先在处置页登记还款计划）")
    ctx = loan_basics(loan, as_of, owed, district=district)
    return with_plan(ctx, plan.instalments.all(), measures=plan.measures, signed_on=plan.signed_on)


def with_plan(ctx: dict, instalments, *, measures: str, signed_on: dt.date) -> dict:
    """Add a plan's instalments (seq, due_on, amount) and their total to an agreement's context."""
    rows = []
    total = Decimal("0")
    for inst in instalments:
        row = {"seq": inst.seq, "due_on": date_cn(inst.due_on)}
        _amount(row, "amount", inst.amount)
        rows.append(row)
        total += inst.amount
    ctx.update(
        title="还款协议书",
        instalments=rows,
        instalment_count=len(rows),
        measures=measures or "",
        plan_signed_on=date_cn(signed_on),
        last_due_on=rows[-1]["due_on"] if rows else "",
    )
    _amount(ctx, "plan_total", total)
    return ctx


def plain_sheet_context(loan, as_of: dt.date, payoff, *, district: str | None = None) -> dict:
    """明白纸: the borrower's figures from the one ruler (payoff), the policy, rule and condition, in plain words."""
    ctx = loan_basics(loan, as_of, payoff, district=district)
    # the sheet itemises: here `interest` is 表内 + 表外欠息 alone, penalty and compound on their own rows
    for key in ("interest_on", "interest_off", "interest", "penalty", "compound", "waivable", "to_pay"):
        _amount(ctx, key, getattr(payoff, key))
    ctx.update(
        title="不良贷款清收明白纸",
        policy=payoff.policy or "",
        rule=payoff.rule or "",
        condition=payoff.condition or "",
        lines=list(payoff.lines or ()),
        explanation=PLAIN_EXPLANATION,
    )
    return ctx


def public_notice_context(rows: list, as_of: dt.date, scope_label: str, bank: str) -> dict:
    """公告催收: the lost-contact borrowers of a township (or the district) for a newspaper notice.

    `rows` are (loan, payoff on `as_of`) pairs; names are full (the notice is addressed to them), ID numbers masked.
    """
    out = []
    total_principal = total_interest = Decimal("0")
    for loan, owed in rows:
        row = {
            "borrower_name": loan.borrower.name,
            "id_masked": loan.borrower.id_masked,
            "loan_no": loan.loan_no,
            "township": loan.township.name,
            "branch": loan.branch.name,
        }
        _owed(row, owed)
        out.append(row)
        total_principal += owed.principal
        total_interest += owed.interest + owed.penalty + owed.compound
    ctx = {
        "title": "公告",
        "bank": bank,
        "scope": scope_label,
        "as_of": date_cn(as_of),
        "rows": out,
        "count": len(out),
        "notice_text": PUBLIC_NOTICE_TEXT.format(bank=bank),
    }
    _amount(ctx, "total_principal", total_principal)
    _amount(ctx, "total_interest", total_interest)
    return ctx


def sample_context(kind: str) -> dict:
    """A made-up context of `kind` with every key, to check an uploaded template renders (nothing is saved)."""
    from types import SimpleNamespace

    from npl.documents.choices import Kind
    from npl.loans.models import Borrower, Loan
    from npl.org.models import Bank, Branch, Township

    day = dt.date(2026, 3, 31)
    borrower = Borrower(name="样例人", id_masked="610***********1234", registered_address="样例村")
    town = Township(name="样例镇")
    branch = Branch(name="样例支行", bank=Bank(name="样例银行"))
    loan = Loan(
        loan_no="YL0001", contract_no="HT0001", borrower=borrower, township=town, branch=branch,
        amount=Decimal("100000.00"), principal_balance=Decimal("80000.00"), interest_on=Decimal("1200.00"),
        interest_off=Decimal("800.00"), penalty_interest=Decimal("300.00"), compound_interest=Decimal("45.60"),
        issue_date=dt.date(2020, 3, 15), maturity_date=dt.date(2023, 3, 15), guarantee="保证", snapshot_date=day,
    )
    payoff = SimpleNamespace(
        principal=Decimal("80000.00"), interest_on=Decimal("1200.00"), interest_off=Decimal("800.00"),
        interest=Decimal("2000.00"), penalty=Decimal("300.00"), compound=Decimal("45.60"), costs=Decimal("0.00"),
        waivable=Decimal("2345.60"), to_pay=Decimal("80000.00"), policy="样例政策", rule="样例规则",
        condition="样例条件", lines=("样例说明一", "样例说明二"),
    )
    if kind == Kind.NOTICE:
        return notice_context(loan, day, day + dt.timedelta(days=30), payoff)
    if kind == Kind.AGREEMENT:
        insts = [SimpleNamespace(seq=i, due_on=dt.date(2026, 4 + i, 30), amount=Decimal("20000.00")) for i in range(1, 5)]
        return with_plan(loan_basics(loan, day, payoff), insts, measures="每月末归还", signed_on=day)
    if kind == Kind.PLAIN_SHEET:
        return plain_sheet_context(loan, day, payoff)
    return public_notice_context([(loan, payoff)], day, "样例镇", "样例银行")
