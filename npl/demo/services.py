"""Load the demo district through the importers a real district uses, then its people, a campaign and plans.

`load_demo()` is idempotent: a file whose SHA-256 was already imported is skipped, users and the
campaign are created only when missing, a loan is handed to a collector only once, and the repayment
plans (一笔一策) are made only while the demo's loans have none.
"""
import datetime as dt
import tempfile
import time
from collections import defaultdict
from contextlib import closing, nullcontext
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from npl.accounts.choices import DISTRICT_TIER, Role
from npl.accounts.models import User
from npl.core import bulk, derived, heap
from npl.core.models import Setting
from npl.demo.generate import BASELINE, SEED, DemoDistrict, build_district, stream_demo_files
from npl.demo.users import DemoUser, demo_users, lead_branch_name
from npl.intake.choices import BatchStatus
from npl.intake.models import ImportBatch
from npl.intake.readers import own_files
from npl.intake.services import run_import, sha256_of
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent
from npl.org.models import Bank, Branch, District, Township

FULL_DEMO = 3000  # the default demo's loans: a larger demo bounds its extra stages at this size's work
TRAIN_SAMPLE = 10_000  # loans the likelihood model learns from at most (a seeded sample of a larger demo: ~190,000 windows)
FULL_SNAPSHOTS_UP_TO = 5000  # loans up to which DEMO_WEEKS weeks of snapshots are back-filled (see _backfill)
CHUNK = 20_000  # loan numbers per IN (...) list: SQLite's bound on variables, and sane SQL on PostgreSQL
CAMPAIGN_ENDS = dt.date(2026, 12, 31)  # on the reference story's dates; moved with the history (DemoDistrict.on)
END_KEY = "demo_history_end"  # Setting: the day the loaded demo's history runs to (fixed at its first load)


def campaign_name(district: DemoDistrict) -> str:
    """The demo campaign's name, after the year of its baseline."""
    return f"{district.baseline.year}年不良贷款清收攻坚行动"


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _say(out, text: str) -> None:
    if out is not None:
        out(text)


class _Progress:
    """Stage lines for `npl demo`: what was done, with counts and the seconds it took."""

    def __init__(self, out):
        self.out, self.started = out, time.monotonic()
        self.last = self.started

    def __call__(self, text: str) -> None:
        now = time.monotonic()
        _say(self.out, f"{text}（{now - self.last:.1f}秒）")
        self.last = now

    def note(self, text: str) -> None:
        _say(self.out, text)

    def total(self) -> float:
        return time.monotonic() - self.started


def history_end() -> dt.date:
    """The day the demo's history runs to: the day before the first load, kept so a later `npl demo` writes
    the same files (and so imports nothing twice)."""
    row = Setting.objects.filter(key=END_KEY).first()
    if row is not None:
        return dt.date.fromisoformat(row.value)
    return timezone.localdate() - dt.timedelta(days=1)


def _keep_history_end(day: dt.date) -> None:
    Setting.objects.get_or_create(key=END_KEY, defaults={"value": day.isoformat(), "description": "演示数据模拟历史的截止日（首次载入的前一天）"})


# What the district-wide liaisons see of the district (accounts.scope).
_LIAISON_SCOPE = {Role.COURT_LIAISON: "全区涉诉贷款", Role.POLICE_LIAISON: "全区失联借款人", Role.DISCIPLINE_LIAISON: "全区公职人员贷款"}


def unit_label(spec: DemoUser) -> str:
    """The unit a demo login is bound to, as the logins table shows it."""
    if spec.role == Role.BRANCH_STAFF:
        return lead_branch_name(spec.township)
    return spec.township or _LIAISON_SCOPE.get(spec.role, "全区")


def logins_table() -> list[tuple[str, str, str, str]]:
    """(username, role, unit, password) of every demo login, as README.md and `npl demo` print them."""
    rows = []
    for spec in demo_users():
        role = "超级管理员（后台 /admin/）" if spec.superuser else Role(spec.role).label
        rows.append((spec.username, role, unit_label(spec), spec.password))
    return rows


@transaction.atomic
def ensure_users(*, district_only: bool = False, seat: District | None = None, prefix: str = "") -> dict:
    """Create the demo logins that are missing (an existing login is left as it is); return them by username.
    `seat`, `prefix`: another district of a multi-district demo (its units, its prefixed cast)."""
    made = {}
    seat = seat or District.current()
    for spec in demo_users(prefix):
        if district_only and spec.township:
            continue
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            township = Township.objects.get(district=seat, name=spec.township) if spec.township else None
            branch = (Branch.objects.get(district=seat, name=lead_branch_name(spec.township))
                      if spec.role == Role.BRANCH_STAFF else None)
            user = User(
                username=spec.username, role=spec.role, display_name=spec.display_name,
                township=township if spec.role != Role.BRANCH_STAFF else None, branch=branch,
                region=_demo_region(spec.role), is_superuser=spec.superuser, is_staff=spec.superuser,
                district=seat if spec.role in DISTRICT_TIER and not spec.superuser else None,
            )
            user.set_password(spec.password)
            user.full_clean()
            user.save()
        made[spec.username] = user
    return made


DEMO_CITY, DEMO_PROVINCE = "西岭市", "秦川省"


def _demo_region(role: str):
    """The demo district's city (in its province) for 市/省金融办 logins; None for every other role."""
    from npl.accounts.choices import REGION_ROLES
    from npl.org.models import Region, Tier

    if role not in REGION_ROLES:
        return None
    province, _ = Region.objects.get_or_create(tier=Tier.PROVINCE, name=DEMO_PROVINCE, parent=None)
    city, _ = Region.objects.get_or_create(tier=Tier.CITY, name=DEMO_CITY, parent=province)
    seat = District.current()
    if seat.region_id is None:
        seat.region = city
        seat.save(update_fields=["region"])
    return province if role == Role.PROVINCE_FINANCE else city


@transaction.atomic
def set_lead_branches(district: DemoDistrict, seat: District | None = None, bank: Bank | None = None) -> int:
    """Each township's lead branch (牵头网点), and the branches that serve it, as the demo's plan has them (in `seat`,
    branches of `bank`: another district of a multi-district demo has its own bank)."""
    changed = 0
    seat = seat or District.current()
    bank = bank or Bank.current()
    for town in district.towns:
        # A small demo may leave a unit without loans: the import did not create it, the plan still has it.
        township, _ = Township.objects.get_or_create(district=seat, name=town.name)
        branches = [Branch.objects.get_or_create(bank=bank, name=name, defaults={"district": seat})[0] for name in town.branches]
        township.branches.add(*branches)
        if township.lead_branch_id is None:
            township.lead_branch = branches[0]
            township.save(update_fields=["lead_branch"])
            changed += 1
    return changed


@transaction.atomic
def assign_collectors(district: DemoDistrict, users: dict, prefix: str = "") -> int:
    """Hand the planned loans to their township's collector, led by the township admin; each loan once only."""
    by_town = {spec.township: spec.username for spec in demo_users(prefix) if spec.role == Role.COLLECTOR}
    leaders = {spec.township: spec.username for spec in demo_users(prefix) if spec.role == Role.TOWNSHIP_ADMIN}
    wanted = {ln.loan_no: ln.township for ln in district.loans if ln.collector}
    already = set()
    for part in _chunks(list(wanted)):
        already.update(LoanEvent.objects.filter(kind=EventKind.ASSIGNED, loan__loan_no__in=part).values_list("loan__loan_no", flat=True))
    loans = [loan for part in _chunks([no for no in wanted if no not in already])
             for loan in Loan.objects.filter(loan_no__in=part, responsible_person__isnull=True)]
    events, changed = [], []
    for loan in loans:
        town = wanted[loan.loan_no]
        person, leader = users[by_town[town]], users[leaders[town]]
        loan.responsible_person, loan.responsible_leader = person, leader
        loan.version += 1
        changed.append(loan)
        events.append(LoanEvent(
            loan=loan, kind=EventKind.ASSIGNED, field="responsible_person", before=None, after=person.username,
            actor=leader, note=f"包保责任人：{person.display_name}；责任领导：{leader.display_name}",
            occurred_on=district.baseline,
        ))
    bulk.update_objects(Loan, changed, ["responsible_person", "responsible_leader", "version"])
    LoanEvent.objects.bulk_create(events, batch_size=2000)
    return len(changed)


def _create_campaign(district: DemoDistrict, user, out) -> None:
    from npl.campaigns.models import Campaign
    from npl.campaigns.services import create_campaign

    name = campaign_name(district)
    if Campaign.objects.filter(name=name, district=user.district).exists():
        return
    create_campaign(name, district.baseline, ends_on=district.on(CAMPAIGN_ENDS), user=user)
    out(f"  清收行动：{name}（基准日 {district.baseline}）")


def _already_imported(kind: str, sub_kind: str | None, digest: str) -> bool:
    return ImportBatch.objects.filter(
        kind=kind, sub_kind=sub_kind or "", sha256=digest, status=BatchStatus.COMMITTED, dry_run=False
    ).exists()


def load_demo(**options) -> dict:
    """Write the demo files to a temporary folder and import them; return each import's report by file name
    (`_load_demo`). The generated district stays in memory to the end, millions of objects: Python's collector
    leaves them alone (`core.heap`)."""
    with heap.settled():
        return _load_demo(**options)


def _load_demo(*, loans: int = 3000, seed: int = SEED, baseline: dt.date = BASELINE, end: dt.date | None = None,
               out=None, seat: District | None = None, prefix: str = "", loan_prefix: str = "8103", train: bool = True) -> dict:
    """Write the demo files to a temporary folder and import them; return each import's report by file name.

    The history runs to `end` (default `history_end()`: the day before the first load), so the demo's weeks
    lead up to today; every stage says what it did, with counts and seconds, through `out`. `seat`, `prefix`,
    `loan_prefix`: another district of a multi-district demo (`load_districts`): loaded into `seat`, its cast's
    usernames prefixed, its loan numbers its own."""
    seat = seat or District.current()
    district_name = seat.name
    end = end or history_end()
    say = _Progress(out)
    reports = {}
    with tempfile.TemporaryDirectory(prefix="npl-demo-") as tmp:
        plan = build_district(loans=loans, seed=seed, baseline=baseline, district_name=district_name, end=end,
                              loan_prefix=loan_prefix)
        heap.settle_now()
        say(f"  生成演示数据：贷款{len(plan.loans)}笔，名单{sum(len(r) for r in plan.rosters.values())}人次，"
            f"还款流水{len(plan.repayments)}条，催收记录{len(plan.actions)}条，模拟历史 {plan.history_from} 至 {plan.history_end}")
        _keep_history_end(end)
        if prefix:  # another district: its units and its own bank first (branch names are unique per bank)
            bank, _ = Bank.objects.get_or_create(name=f"{district_name}农村商业银行")
            set_lead_branches(plan, seat, bank)
        users = ensure_users(district_only=True, seat=seat, prefix=prefix)
        admin = users[prefix + "quadmin"]
        # The files are written by a child process while the earlier ones are imported (the same bytes as
        # write_demo_files); a line shows the wait when a file was not ready yet. The imports, and the stages
        # after them (`_after_files`), share one deferred block: the stored derived rows (memberships, clocks,
        # suggestions) of every loan they touch are computed once, at its end, not after each — a loan of the demo
        # is in four files (the bank's list, the repayments, the ledger, a roster), so each import computed most
        # loans' rows again. Nothing reads them before the block ends (the demo loads before anyone signs in); a
        # failed file undoes the whole load. The upload limits do not apply to files the demo wrote itself
        # (`own_files`): at 1M loans the bank's file is 118 MB.
        with closing(stream_demo_files(plan, Path(tmp))) as files, derived.deferred(), own_files():
            seen = set()
            while True:
                waited = time.monotonic()
                f = next(files, None)
                if f is None:
                    break
                label = FILE_LABELS.get(f.sub_kind or f.kind, f.kind)
                if time.monotonic() - waited >= 1:
                    say(f"  写出{label}文件：{f.rows}行（后台进程边写边导入）")
                first = f.kind not in seen  # a flow over PART_ROWS rows comes as several files
                seen.add(f.kind)
                if f.kind == "repayments" and first:  # the campaign's baseline task is set before money comes in
                    _create_campaign(plan, admin, say)
                if f.kind == "actions" and first:  # the ledger names the collectors: they must exist and hold their loans
                    users = ensure_users(seat=seat, prefix=prefix)
                    assigned = assign_collectors(plan, users, prefix)
                    if assigned:
                        say(f"  分配包保责任人：{assigned}笔")
                digest = sha256_of(f.path)
                if _already_imported(f.kind, f.sub_kind, digest):
                    say.note(f"  {label}：已导入过（{f.path.name}），跳过")
                    continue
                # The bank's list registers the loans on the history's first day as it inserts them
                # (register_from_history_start then finds nothing left to move).
                with bulk.registered_at(Loan, registration_moment(plan)) if f.kind == "loans" else nullcontext():
                    report = run_import(
                        f.kind, f.path, sub_kind=f.sub_kind, as_of=f.as_of, user=admin, district=seat,
                        create_units=f.kind == "loans", skip_invalid=True, file_name=f"演示-{label}.xlsx",
                    )
                reports[f.path.name] = report
                say(f"  导入{label}：读取{report['rows_read']}行，新增{report['created']}，更新{report['updated']}，"
                    f"未变{report['unchanged']}，拒绝{len(report['refused'])}，提示{len(report['warnings'])}")
                if f.kind == "loans":
                    set_lead_branches(plan, seat, Bank.objects.filter(branches__district=seat).first())
                    users = ensure_users(seat=seat, prefix=prefix)
            _after_files(plan, say, learn=bool(reports) and train)
            say.note("  计算派生数据（类别归属、法律时效、清收建议）……")
        if reports:
            say("  派生数据：导入涉及的贷款已全部计算")
    say.note("  处理清收人员的往期建议……")
    handled = handle_past_suggestions(plan, prefix)
    if handled:
        say(f"  往期清收建议（逾期{PAST_SUGGESTION_DAYS}天以上）记为已处理：完成{handled['done']}条，不采纳{handled['dismissed']}条")
    # Lazy: reports sits above the demo's imports; back-fills the recent weeks' daily snapshots (idempotent).
    _backfill(say, len(plan.loans))
    published = publish_demo_bulletins(admin)
    say(f"  发布已结束各周的周通报：{published}期" if published else "  周通报：往期均已发布")
    if bulk.tidy_after_bulk():  # PostgreSQL, outside a transaction: the rows the load rewrote, cleared
        say("  整理数据库（VACUUM ANALYZE，清除改写留下的旧行版本）")
    say.note(f"  合计用时{say.total():.0f}秒")
    return reports


def _after_files(plan: DemoDistrict, say, *, learn: bool) -> None:
    """What follows the last file, still inside the imports' deferred block, so that each deriver runs once over
    every loan at its end: before, the model's training refreshed every loan's suggestions again (~60 s at
    100k loans) and the sweep its loans'. None of these reads a stored derived row: the registration dates, the
    plans (through the real services), the likelihood model (learnt from the events, `likelihood.features`) and
    the sweep (promises and instalments against the repayments)."""
    from npl.collection.services import sweep  # lazy: collection sits above the demo's imports

    moved = register_from_history_start(plan)
    if moved:
        say(f"  登记日期设为演示历史起点{plan.history_from}：{moved}笔")
    made = add_plans(plan)
    if made:
        bound = f"（超过{FULL_DEMO}笔的演示按{FULL_DEMO}笔的数量封顶）" if len(plan.loans) > FULL_DEMO else ""
        say("  还款计划（一笔一策）：" + "，".join(f"{label}{n}笔" for label, n in made.items()) + bound)
    if learn:  # something new came in: learn the recovery likelihood from the demo's history
        _train_likelihood(plan, say)
    swept = sweep()  # what `npl collection sweep` did each day of the history: promises kept or broken, instalments
    say("  每日清理（承诺履约、计划分期）：" + "，".join(f"{SWEEP_LABELS.get(k, k)}{n}" for k, n in swept.items() if n)
        if any(swept.values()) else "  每日清理：无需更新")


# Further districts of `npl demo --districts N`: eight to a city, the cities in the demo's province.
MORE_DISTRICTS = ["东川区", "南山区", "北塬区", "青河区", "白水县", "石门县", "金川县", "玉溪县", "松林县", "枫桥县",
                  "云台县", "清泉县", "桃源县", "黄土县", "柏树县", "临河县"]
MORE_CITIES = ["渭北市", "汉中平原市", "秦南市", "商洛山市"]
DISTRICTS_PER_CITY = 8


def demo_seat(k: int) -> District:
    """The k-th district of a multi-district demo (0: the installation's own), created under its city if missing."""
    from npl.org.models import Region, Tier

    if k == 0:
        return District.current()
    province, _ = Region.objects.get_or_create(tier=Tier.PROVINCE, name=DEMO_PROVINCE, parent=None)
    c = k // DISTRICTS_PER_CITY
    city_name = DEMO_CITY if c == 0 else (MORE_CITIES[c - 1] if c <= len(MORE_CITIES) else f"第{c + 1}市")
    city, _ = Region.objects.get_or_create(tier=Tier.CITY, name=city_name, parent=province)
    first = District.current()
    if first.region_id is None:
        first.region = Region.objects.get_or_create(tier=Tier.CITY, name=DEMO_CITY, parent=province)[0]
        first.save(update_fields=["region"])
    name = MORE_DISTRICTS[k - 1] if k <= len(MORE_DISTRICTS) else f"第{k + 1}区"
    seat, _ = District.objects.get_or_create(name=name, defaults={"region": city})
    return seat


def load_districts(districts: int, *, loans: int = 3000, seed: int = SEED, out=None, start: int = 0) -> None:
    """`npl demo --districts N`: the demo district as `load_demo` loads it, then N-1 more under its city (eight to a
    city, further cities in its province), each with `loans` loans of its own seed, its own townships, branches and
    bank, its cast (usernames prefixed d2_, d3_…), history, plans, snapshots and bulletins. The likelihood model is
    the installation's: trained after the first district and again after the last. `start`: the districts before it
    are loaded already (a benchmark measures one district, then adds the others)."""
    for k in range(start, districts):
        seat = demo_seat(k)
        if out is not None:
            out(f"第{k + 1}/{districts}个区：{seat.name}")
        load_demo(loans=loans, seed=seed + k, out=out, seat=seat, prefix=f"d{k + 1}_" if k else "",
                  loan_prefix=f"81{k + 3:02d}", train=k in (0, districts - 1))


def snapshot_weeks(loans: int) -> int:
    """How many ISO weeks of daily snapshots the demo back-fills: DEMO_WEEKS up to FULL_SNAPSHOTS_UP_TO loans;
    a larger demo fewer (each day's snapshot costs time in proportion to the loans), at least one finished week
    so that a 周通报 is published."""
    from npl.reports.services import DEMO_WEEKS

    return DEMO_WEEKS if loans <= FULL_SNAPSHOTS_UP_TO else max(1, DEMO_WEEKS * FULL_SNAPSHOTS_UP_TO // loans)


def _backfill(say, loans: int) -> None:
    """The daily snapshots of the last DEMO_WEEKS ISO weeks up to yesterday, week by week so progress shows
    (reports.services.backfill: idempotent, each day as of itself). A demo larger than FULL_SNAPSHOTS_UP_TO
    back-fills snapshot_weeks(loans) finished weeks only, ending last Sunday (its line says so).
    Lazy: reports sits above the demo's imports."""
    from npl.campaigns.models import Campaign
    from npl.reports.rules import week_of
    from npl.reports.services import backfill

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    weeks = snapshot_weeks(loans)
    bounded = loans > FULL_SNAPSHOTS_UP_TO
    this_monday = week_of(yesterday)[0]
    if bounded and yesterday.weekday() != 6:  # only finished weeks: the last ends on last Sunday
        yesterday = this_monday - dt.timedelta(days=1)
        this_monday -= dt.timedelta(weeks=1)
    monday = this_monday - dt.timedelta(weeks=weeks - 1)
    note = f"（超过{FULL_SNAPSHOTS_UP_TO}笔的演示只补算最近{weeks}个完整周）" if bounded else ""
    for campaign in Campaign.objects.filter(baseline__lte=yesterday):
        last = min(campaign.ends_on or yesterday, yesterday)
        for week in range(weeks):
            first = max(campaign.baseline, monday + dt.timedelta(weeks=week))
            end = min(last, monday + dt.timedelta(weeks=week, days=6))
            if first > end:
                continue
            n = backfill(first, end, campaign)
            say(f"  每日快照 {first:%m-%d}至{end:%m-%d}（第{week + 1}/{weeks}周）：{n}行{note}" if n else
                f"  每日快照 {first:%m-%d}至{end:%m-%d}：已有")


def publish_demo_bulletins(admin) -> int:
    """Publish, as the district admin would have each Monday, the 周通报 of every finished week the snapshots
    cover (the ones not yet published); returns how many. Lazy imports: reports sits above the demo's imports."""
    from npl.campaigns.models import Campaign
    from npl.reports.bulletins import published
    from npl.reports.models import Bulletin, DailyFigure
    from npl.reports.rules import week_of
    from npl.reports.services import publish_bulletin

    made = 0
    weekly = Bulletin.Kind.WEEKLY
    for campaign in Campaign.objects.filter(district=admin.district) if admin.district_id else Campaign.objects.all():
        days = sorted(set(DailyFigure.objects.filter(campaign=campaign).values_list("day", flat=True)))
        weeks = sorted({week_of(day) for day in days})
        have = set(days)
        for first, last in weeks:
            complete = all(first + dt.timedelta(days=i) in have for i in range((last - first).days + 1))
            if complete and published(weekly, campaign, last) is None:
                publish_bulletin(admin, weekly, campaign, last)
                made += 1
    return made


SWEEP_LABELS = {"promises_kept": "承诺已履行", "promises_broken": "承诺违约", "instalments_paid": "分期已还",
                "instalments_missed": "分期逾期", "plans_broken": "计划违约", "plans_completed": "计划履行完毕",
                "guarantors_released": "解除原担保", "suspensions_ended": "停息到期"}


# What `npl demo` calls each file as it imports it.
FILE_LABELS = {
    "loans": "不良贷款明细", "litigation": "涉诉清单", "repayments": "还款流水", "actions": "催收台账",
    "impersonated_or_staff": "冒名及职工借名贷款清单", "public_servant": "公职人员名单", "dibao": "低保人员名单",
    "disabled": "残疾人名单", "poverty": "脱贫户名单", "emigrated": "户籍迁出名单", "deceased": "死亡人员名单",
    "imprisoned": "服刑人员名单", "lost_contact": "失联人员名单", "nominal_household": "空挂户名单",
}


def _train_likelihood(plan: DemoDistrict, say) -> None:
    from npl.likelihood.services import train

    # A large demo learns from a seeded sample of its loans: ~190,000 windows fit the dozen features as well.
    loan_ids = None
    if len(plan.loans) > TRAIN_SAMPLE:
        import random

        nos = random.Random(f"{plan.seed}-train").sample([ln.loan_no for ln in plan.loans], TRAIN_SAMPLE)
        loan_ids = [pk for part in _chunks(nos) for pk in Loan.objects.filter(loan_no__in=part).values_list("pk", flat=True)]
    run = train(plan.history_end, loan_ids=loan_ids)  # the demo's history ends there: every 90-day window is complete
    sample = f"，抽样{len(loan_ids)}笔贷款" if loan_ids is not None else ""
    say(f"  回收可能性模型：{'已训练' if run.model else '样本不足，暂用规则估计'}（样本{run.n_samples}个{sample}）")


PAST_SUGGESTION_DAYS = 14  # a collector's worklist keeps the suggestions of the last two weeks


def handle_past_suggestions(district: DemoDistrict, prefix: str = "") -> dict[str, int]:
    """Demo-only: the suggestions the collectors would have dealt with over the history, marked dealt with, so a
    collector opens a worklist of the recent weeks (not two years of arrears).

    One overdue by more than PAST_SUGGESTION_DAYS is 完成 by the loan's latest ledger line since a month before
    its due when there is one (the collector did act), else 不采纳 with the reason saying it was handled before
    the demo began. The items are advice.services.today's (each a current suggestion); their states and notes
    are written in bulk exactly as advice.services.mark_done / dismiss write them one by one (those recompute
    each loan's suggestions: minutes for the demo's ~450). Run only while the demo's collectors have handled
    nothing (a second `npl demo` changes nothing).
    """
    from npl.advice.choices import Status
    from npl.advice.models import SuggestionRule, SuggestionState
    from npl.advice.services import today
    from npl.collection.models import CollectionAction

    collectors = User.objects.filter(role=Role.COLLECTOR, username__in=[u.username for u in demo_users(prefix)])
    if SuggestionState.objects.filter(by__in=collectors).exists():
        return {}
    rules = {r.code: r for r in SuggestionRule.objects.all()}
    day = timezone.localdate()
    states, notes = [], []
    counts = {"done": 0, "dismissed": 0}
    reason = "演示数据：本条为载入前的往期建议，已在线下处理"
    for user in collectors:
        items = [i for i in today(user, day) if i.overdue_days > PAST_SUGGESTION_DAYS]
        actions = defaultdict(list)
        for a in CollectionAction.objects.filter(loan__in={i.loan.pk for i in items}).order_by("-acted_on", "-pk"):
            actions[a.loan_id].append(a)
        for item in items:
            s, rule = item.suggestion, rules[item.suggestion.rule]
            action = next((a for a in actions[item.loan.pk] if a.acted_on >= s.due - dt.timedelta(days=30)), None)
            if action is not None:
                states.append(SuggestionState(loan=item.loan, rule=rule, due=s.due, status=Status.DONE, action=action, by=user))
                text = f"清收建议“{rule.name}”（期限{s.due:%Y-%m-%d}）已完成：{action.acted_on:%Y-%m-%d} {action.get_method_display()}"
                counts["done"] += 1
            else:
                states.append(SuggestionState(loan=item.loan, rule=rule, due=s.due, status=Status.DISMISSED, reason=reason, by=user))
                text = f"清收建议“{rule.name}”（期限{s.due:%Y-%m-%d}）不采纳：{reason}"
                counts["dismissed"] += 1
            notes.append(LoanEvent(loan=item.loan, kind=EventKind.NOTE, field="advice", note=text[:500], occurred_on=day, actor=user))
    with transaction.atomic():
        SuggestionState.objects.bulk_create(states)
        LoanEvent.objects.bulk_create(notes)
    return counts if any(counts.values()) else {}


def registration_moment(district: DemoDistrict) -> dt.datetime:
    """When the demo's loans count as registered: 09:00 on its history's first day."""
    return timezone.make_aware(dt.datetime.combine(district.history_from, dt.time(9, 0)))


def register_from_history_start(district: DemoDistrict) -> int:
    """Demo-only: date the demo's loans' registration (Loan.created_at) on the demo history's first day.

    The demo's story is that the platform has carried the district since its history starts (history_from);
    loaded today, the loans would look registered today and the advice engine, which counts a fact older
    than the registration from the registration day (docs/advice.md "Due dates"), would put every due
    months ahead. A real district's loans keep the day they were imported. Returns the loans changed.
    """
    start = registration_moment(district)
    return sum(Loan.objects.filter(loan_no__in=part).exclude(created_at=start).update(created_at=start)
               for part in _chunks([ln.loan_no for ln in district.loans]))


# The demo's plans (一笔一策), by how they turn out: how many of each in the full demo, when signed and due.
PLANS_KEPT, PLANS_MISSED, PLANS_PENDING = 16, 12, 6
PLAN_CANDIDATES = 300  # a demo larger than FULL_DEMO looks for its plans among each township's first so many loans
PLAN_SINCE = dt.date(2026, 4, 1)  # the campaign's first day after the baseline
FUTURE_DUES = [dt.date(2027, m, 20) for m in (1, 2, 3)]  # still to come when the history ends
MISSED_DUES = [dt.date(2026, 6, 20), dt.date(2026, 7, 20), dt.date(2026, 8, 20), dt.date(2027, 1, 20)]
PENDING_DUES = [dt.date(2027, m, 20) for m in (1, 2, 3, 4)]
MEASURES = {
    "kept": "借款人务工收入按月归还，包保责任人每月上门核对",
    "missed": "借款人出售农产品后分期归还，村委会协助督促",
    "pending": "借款人家属代为筹款，分四期归还",
}


def _yuan_part(total: Decimal, parts: int) -> Decimal:
    """An instalment in whole 元: `total` over `parts`, rounded down so the plan never exceeds what is owed."""
    return (total / parts).quantize(Decimal("1"), rounding=ROUND_DOWN)


def _plan_candidates(district: DemoDistrict, per_town: int | None = None) -> list[Loan]:
    """The demo's collector-held open loans, township by township in turn (so every township gets plans);
    `per_town`: only the first so many of each township (by loan number), for a large demo."""
    from npl.loans.workflow import OPEN

    by_town = defaultdict(list)
    for part in _chunks([ln.loan_no for ln in district.loans if ln.collector]):
        loans = (Loan.objects.filter(loan_no__in=part, status__in=OPEN)
                 .exclude(responsible_person=None).exclude(responsible_leader=None)
                 .select_related("township", "responsible_person", "responsible_leader"))
        for loan in loans:
            by_town[loan.township.name].append(loan)
    for loans in by_town.values():
        loans.sort(key=lambda loan: loan.loan_no)
        if per_town:
            del loans[per_town:]
    towns = sorted(by_town)
    out = []
    for i in range(max((len(v) for v in by_town.values()), default=0)):
        out.extend(by_town[t][i] for t in towns if i < len(by_town[t]))
    return out


def add_plans(district: DemoDistrict) -> dict[str, int]:
    """Repayment plans through the real services (collector submits, township admin decides), deterministic.

    kept: signed before the loan's recent repayments, whose instalments those repayments pay, with three
    more due in 2027; missed: signed in May 2026 by a borrower who paid nothing since, so its instalments
    go unpaid and the plan breaks; pending: signed in October, waiting for the township's approval.
    Nothing is made when the demo's loans already have a plan (a second `npl demo` changes nothing).
    """
    from npl.collection.models import Repayment, RepaymentPlan
    from npl.collection.services import decide_plan, owed, submit_plan

    wanted = [ln.loan_no for ln in district.loans]
    if any(RepaymentPlan.objects.filter(loan__loan_no__in=part).exists() for part in _chunks(wanted)):
        return {}
    # A small demo gets proportionally fewer plans (at least one of each); a larger one the full demo's, from
    # the first PLAN_CANDIDATES loans of each township (each plan goes through the services: seconds apiece).
    share = min(len(district.loans), FULL_DEMO) / FULL_DEMO
    room = {k: max(1, round(n * share)) for k, n in (("kept", PLANS_KEPT), ("missed", PLANS_MISSED), ("pending", PLANS_PENDING))}
    candidates = _plan_candidates(district, per_town=PLAN_CANDIDATES if len(district.loans) > FULL_DEMO else None)
    paid = defaultdict(dict)  # loan id → day → amount paid that day (principal + interest + costs)
    for row in (Repayment.objects.filter(loan__in=candidates, confirmed=True, paid_on__gte=district.on(PLAN_SINCE))
                .values("loan_id", "paid_on").annotate(p=Sum("principal"), i=Sum("interest"), c=Sum("costs"))):
        paid[row["loan_id"]][row["paid_on"]] = row["p"] + row["i"] + row["c"]
    made = defaultdict(int)
    for n, loan in enumerate(candidates):
        if all(made[k] >= room[k] for k in room):
            break
        days = sorted(paid[loan.pk].items())[-5:]
        if len(days) >= 2 and made["kept"] < room["kept"]:
            kind = "kept"
        elif not paid[loan.pk] and made["missed"] < room["missed"]:
            kind = "missed"
        elif made["pending"] < room["pending"]:
            kind = "pending"
        else:
            continue
        due = sum(owed(loan).values(), start=Decimal("0"))  # only for a loan that gets a plan: a query apiece
        if kind == "kept":
            signed = days[0][0] - dt.timedelta(days=7)
            rows = [(day + dt.timedelta(days=3), amount) for day, amount in days]
            rest = _yuan_part(due - sum(a for _, a in rows), 10)  # the three 2027 instalments: 30% of what is left
            rows += [(district.on(d), rest) for d in FUTURE_DUES]
        elif kind == "missed":
            signed = district.on(dt.date(2026, 5, 10 + n % 15))
            rows = [(district.on(d), _yuan_part(due, 20)) for d in MISSED_DUES]
        else:
            signed = district.on(dt.date(2026, 10, 15 + n % 10))
            rows = [(district.on(d), _yuan_part(due, 10)) for d in PENDING_DUES]
        if any(amount <= 0 for _, amount in rows):
            continue
        plan = submit_plan(loan, loan.responsible_person, signed_on=signed, instalments=rows, measures=MEASURES[kind],
                           responsible_leader=loan.responsible_leader, responsible_person=loan.responsible_person)
        if kind != "pending":
            decide_plan(plan, loan.responsible_leader, approve=True, note="演示：按借款人签字的计划审批")
        made[kind] += 1
    labels = {"kept": "按期履行", "missed": "逾期未还", "pending": "待审批"}
    return {labels[k]: made[k] for k in labels if made[k]}
