"""`npl import litigation`: court cases per loan; a case counts as 涉诉 from its 起诉日期 (else as-of)."""
from npl.intake import normalize as n
from npl.intake.headers import Column
from npl.intake.importers.base import Importer
from npl.intake.importers.refs import LoanRefMixin
from npl.litigation.choices import DIRECTION_ALIASES, STAGE_ALIASES, Direction, Stage
from npl.litigation.models import CaseStage, LitigationCase
from npl.litigation.stages import NEXT
from npl.loans.choices import EventKind
from npl.loans.models import Borrower, Loan, LoanEvent

FIELDS = ["direction", "court", "filed_on", "accepted_on", "judgment_on", "enforcement_case_no", "stage"]
DATED_STAGES = [("filed_on", Stage.FILED), ("accepted_on", Stage.ACCEPTED), ("judgment_on", Stage.JUDGED)]


class LitigationImporter(LoanRefMixin, Importer):
    """Creates or updates LitigationCase rows (key 借据号 + 案号) and their dated stages."""

    kind = "litigation"
    key_fields = ("loan_no", "case_no")
    stored_in = {
        "loan_no": (Loan, "loan_no"), "case_no": (LitigationCase, "case_no"), "court": (LitigationCase, "court"),
        "enforcement_case_no": (LitigationCase, "enforcement_case_no"), "borrower_name": (Borrower, "name"),
    }
    columns = [
        Column("loan_no", "借据号", ("借据编号", "贷款账号"), True),
        Column("direction", "诉讼类型", ("诉讼方向",), True),
        Column("case_no", "案号", ("诉讼案号", "民事案号"), True),
        Column("court", "受理法院", ("法院",)),
        Column("filed_on", "起诉日期"),
        Column("accepted_on", "立案日期"),
        Column("judgment_on", "判决日期", ("判决/调解日期",)),
        Column("enforcement_case_no", "执行案号"),
        Column("stage", "当前阶段", ("诉讼阶段", "阶段")),
        Column("borrower_name", "借款人", ("客户名称", "借款人姓名", "姓名")),
    ]

    def parse(self, raw):
        stage = n.choice(raw.get("stage"), "当前阶段", STAGE_ALIASES, required=False)
        filed = n.date(raw.get("filed_on"), "起诉日期")
        accepted = n.date(raw.get("accepted_on"), "立案日期")
        judged = n.date(raw.get("judgment_on"), "判决日期")
        enforcement_no = n.key_text(raw.get("enforcement_case_no"))
        if stage is None:
            stage = Stage.ENFORCING if enforcement_no else Stage.JUDGED if judged else Stage.ACCEPTED if accepted else Stage.FILED
        return {
            "loan_no": n.key_text(raw["loan_no"], "借据号"),
            "case_no": n.key_text(raw["case_no"], "案号"),
            "direction": str(n.choice(raw["direction"], "诉讼类型", DIRECTION_ALIASES)),
            "court": n.text(raw.get("court")),
            "filed_on": filed,
            "accepted_on": accepted,
            "judgment_on": judged,
            "enforcement_case_no": enforcement_no,
            "stage": str(stage),
            "borrower_name": n.name(raw.get("borrower_name")),
        }

    def write(self, rows):
        ctx = self.ctx
        existing = {
            (c.loan_id, c.case_no): c
            for c in LitigationCase.objects.filter(loan_id__in=[r.ref.pk for r in rows], case_no__in=[r.values["case_no"] for r in rows])
        }
        events, stages = [], []
        for row in rows:
            v = row.values
            self.check_borrower_name(row, v["borrower_name"])
            case = existing.get((row.ref.pk, v["case_no"]))
            if case is None:
                case = LitigationCase.objects.create(
                    loan_id=row.ref.pk, case_no=v["case_no"], counted_from=v["filed_on"] or ctx.as_of, batch=ctx.batch,
                    **{f: v[f] for f in FIELDS},
                )
                row.outcome = "created"
                events.append(LoanEvent(loan_id=row.ref.pk, kind=EventKind.LITIGATION, field="case", after={"case_no": case.case_no, "direction": case.direction, "stage": case.stage},
                                        occurred_on=case.counted_from, batch=ctx.batch, actor=ctx.user, note=f"登记涉诉案件 {case.case_no}（{case.get_direction_display()}）"))
                known_stages = set()
            else:
                changes = {f: (getattr(case, f), v[f]) for f in FIELDS if getattr(case, f) != v[f] and not (v[f] in (None, "") and f != "stage")}
                if "stage" in changes and v["stage"] not in reachable_from(case.stage):
                    # The court liaison may have moved the case on the platform; a file never moves it back.
                    del changes["stage"]
                    ctx.warn(row, f"文件中的阶段“{Stage(v['stage']).label}”早于系统中的“{case.get_stage_display()}”，已保留系统中的阶段")
                if not changes:
                    row.outcome = "unchanged"
                    continue
                for f, (old, new) in changes.items():
                    shown = {"direction": Direction, "stage": Stage}.get(f)
                    if shown is not None:
                        old, new = shown(old).label if old in shown.values else old, shown(new).label
                    self.record_change(row, f, self.label_of(f), old, new)
                for f, (_, new) in changes.items():
                    setattr(case, f, new)
                if "filed_on" in changes and case.filed_on:
                    case.counted_from = case.filed_on
                case.version += 1
                case.save()
                row.outcome = "updated"
                for f, (old, new) in changes.items():
                    events.append(LoanEvent(loan_id=row.ref.pk, kind=EventKind.LITIGATION, field=f, before=_s(old), after=_s(new),
                                            occurred_on=ctx.as_of, batch=ctx.batch, actor=ctx.user, note=f"案件 {case.case_no} 信息更新"))
                known_stages = set(case.stages.values_list("stage", "on"))
            for field, stage in DATED_STAGES:
                day = getattr(case, field)
                if day and (stage, day) not in known_stages:
                    stages.append(CaseStage(case=case, stage=stage, on=day, note="导入"))
        CaseStage.objects.bulk_create(stages)
        LoanEvent.objects.bulk_create(events)


def reachable_from(stage: str) -> set[str]:
    """Stages a case can move on to from `stage` (litigation.stages.NEXT, followed transitively)."""
    seen, todo = set(), [stage]
    while todo:
        for nxt in NEXT.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _s(value):
    return None if value is None else str(value)
