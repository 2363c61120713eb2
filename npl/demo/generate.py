"""The demo district's source files, as the bank, the townships and the court would send them.

`write_demo_files(dir, loans=3000, seed=SEED)` writes, in INTAKE.md's layout (.xlsx, with title rows,
mixed date forms and text amounts as real exports have them): the bank's NPL list, the nine rosters
(whole populations, most of them not borrowers), the impersonated/staff loan list, litigation cases,
repayments over the months after the baseline, and a collection ledger. The same arguments give the
same files byte for byte. The benchmarks reuse it for large exports (loans=100_000).
"""
import datetime as dt
import math
import multiprocessing
import random
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter

from npl.core.idnumber import check_char
from npl.demo import names as N
from npl.demo.users import collector_name, lead_branch_name, town_stem

SEED = 20260331
BASELINE = dt.date(2026, 3, 31)
REPAID_UNTIL = dt.date(2026, 10, 31)  # the reference story's history (ledger, repayments) runs to here
HISTORY_FROM = dt.date(2024, 10, 1)  # two years of collection before it: enough to learn from (likelihood)
ROSTERS_AS_OF = dt.date(2024, 9, 30)  # the rosters the district gathered when collection began
CENT = Decimal("0.01")
MILLION = Decimal("1000000")
_FILE_TIME = dt.datetime(2026, 4, 1, 9, 0, 0)  # fixed document date: same bytes every run

ROSTER_KINDS = ["public_servant", "dibao", "disabled", "poverty", "emigrated", "deceased", "imprisoned",
                "lost_contact", "nominal_household"]
# Per roster: the share of borrowers on it, and how many non-borrowers per demo loan (whole populations).
ROSTER_SHARES = {
    "public_servant": (0.015, 0.20),
    "dibao": (0.08, 0.60),
    "disabled": (0.012, 0.15),
    "poverty": (0.01, 0.35),
    "emigrated": (0.004, 0.03),
    "deceased": (0.012, 0.10),
    "imprisoned": (0.004, 0.015),
    "lost_contact": (0.09, 0.01),
    "nominal_household": (0.045, 0.01),
}
ROSTER_TITLES = {
    "public_servant": ("公职人员名单", "工作单位"),
    "dibao": ("低保户花名册", "保障类别"),
    "disabled": ("残疾人名册", "残疾等级"),
    "poverty": ("脱贫人口名单", "备注"),
    "emigrated": ("已移民人员名单", "迁入地"),
    "deceased": ("死亡人员名单", "死亡日期"),
    "imprisoned": ("服刑人员名单", "刑满释放日期"),
    "lost_contact": ("失联借款人名单", "备注"),
    "nominal_household": ("空挂户名单", "实际居住地"),
}
LOAN_HEADER = ["序号", "借据编号", "借款合同号", "客户名称", "证件号码", "联系电话", "所属乡镇", "村(社区)", "机构名称",
               "贷款金额", "本金余额", "欠息金额", "发放日期", "到期日", "担保方式", "五级分类", "执行利率", "管户客户经理"]
LITIGATION_HEADER = ["序号", "借据号", "借款人", "诉讼类型", "案号", "受理法院", "起诉日期", "立案日期", "判决日期", "执行案号", "当前阶段"]
REPAYMENT_HEADER = ["交易流水号", "借据号", "借款人", "还款日期", "归还本金", "归还利息", "还款方式"]
ACTION_HEADER = ["借据号", "借款人", "催收日期", "催收方式", "签收情况", "催收人", "催收结果", "承诺还款日期", "承诺还款金额", "备注"]
LIST_HEADER = ["序号", "借据号", "借款人", "类型"]


@dataclass
class Person:
    """Someone on a file: a borrower, or a roster entry who may never have borrowed."""

    id_number: str
    name: str
    born: dt.date
    male: bool
    township: str
    phone: str = ""


@dataclass
class Town:
    """A township with its communities and branches (the first branch is the lead)."""

    name: str
    slug: str
    communities: list
    branches: list
    managers: dict  # branch → account managers


@dataclass
class DemoLoan:
    """One row of the bank's NPL list."""

    loan_no: str
    contract_no: str
    person: Person
    township: str
    community: str
    branch: str
    amount: Decimal
    balance: Decimal
    interest: Decimal
    issue: dt.date
    maturity: dt.date
    guarantee: str
    classification: str
    rate: str
    manager: str
    collector: bool = False  # assigned to the township's collector once loaded


@dataclass
class DemoFile:
    """A written file and how to import it (INTAKE.md kind, sub-kind, as-of day)."""

    kind: str
    sub_kind: str | None
    path: Path
    as_of: dt.date | None
    rows: int


@dataclass
class DemoDistrict:
    """Everything the files hold, for loaders and tests to check against."""

    name: str
    seed: int
    baseline: dt.date
    towns: list
    loans: list
    borrowers: list
    rosters: dict = field(default_factory=dict)  # kind → [(Person, extra value)]
    loan_list: list = field(default_factory=list)  # (DemoLoan, 类型)
    cases: list = field(default_factory=list)  # dicts, one per litigation row
    repayments: list = field(default_factory=list)  # dicts, one per bank flow row
    actions: list = field(default_factory=list)  # dicts, one per ledger row
    files: list = field(default_factory=list)
    shift: int = 0  # days the whole story is moved from its reference dates (history ending on REPAID_UNTIL)

    def on(self, day: dt.date) -> dt.date:
        """A reference-story date (e.g. services' plan dues) moved with the district's history."""
        return day + dt.timedelta(days=self.shift)

    @property
    def history_from(self) -> dt.date:
        return self.on(HISTORY_FROM)

    @property
    def history_end(self) -> dt.date:
        return self.on(REPAID_UNTIL)

    @property
    def rosters_as_of(self) -> dt.date:
        return self.on(ROSTERS_AS_OF)

    def roster_borrowers(self, kind: str) -> list:
        ids = {b.id_number for b in self.borrowers}
        return [p for p, _ in self.rosters[kind] if p.id_number in ids]


def _yuan(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _day_between(rnd: random.Random, start: dt.date, end: dt.date, weekday: bool = False) -> dt.date:
    day = start + dt.timedelta(days=rnd.randint(0, max((end - start).days, 0)))
    while weekday and day.weekday() >= 5 and day > start:
        day -= dt.timedelta(days=1)
    return day


class _Generator:
    """One pass of a seeded random source over the district: people, loans, then each file's rows."""

    def __init__(self, n_loans: int, seed: int, baseline: dt.date, district_name: str, loan_prefix: str = "8103"):
        self.rnd = random.Random(seed)
        self.loan_prefix = loan_prefix  # loan numbers are unique across an installation: each district's bank its own
        self.n = n_loans
        self.baseline = baseline
        self.district_name = district_name
        self.used_ids: set = set()

    # people --------------------------------------------------------------------------------
    def surname(self) -> str:
        r = self.rnd.random()
        if r < 0.004:
            return self.rnd.choice(N.COMPOUND_SURNAMES)
        if r < 0.03:
            return self.rnd.choice(N.POLYPHONIC_SURNAMES)
        # Favour the common head of the list, as real populations do.
        return N.SURNAMES[min(int(self.rnd.expovariate(1 / 22)), len(N.SURNAMES) - 1)]

    def given(self, male: bool, born: dt.date) -> str:
        old = born.year < 1968 and self.rnd.random() < 0.6
        if male:
            return self.rnd.choice(N.MALE_GIVEN_OLD if old else N.MALE_GIVEN)
        return self.rnd.choice(N.FEMALE_GIVEN_OLD if old else N.FEMALE_GIVEN)

    def id_number(self, born: dt.date, male: bool) -> str:
        while True:
            region = N.HOME_REGION if self.rnd.random() < 0.82 else self.rnd.choice(N.NEIGHBOUR_REGIONS)
            sex = self.rnd.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
            body = f"{region}{born:%Y%m%d}{self.rnd.randrange(100):02d}{sex}"
            number = body + check_char(body)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        prefix = self.rnd.choice(["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                                  "153", "155", "157", "158", "159", "173", "177", "180", "181", "183", "187", "189", "199"])
        return prefix + f"{self.rnd.randrange(10**8):08d}"

    def person(self, township: str, first_year: int, last_year: int) -> Person:
        born = _day_between(self.rnd, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
        male = self.rnd.random() < 0.62 if first_year < 1998 else self.rnd.random() < 0.5
        name = self.surname() + self.given(male, born)
        phone = self.phone() if self.rnd.random() < 0.92 else ""
        return Person(self.id_number(born, male), name, born, male, township, phone)

    # the district --------------------------------------------------------------------------
    def towns(self) -> list:
        towns, branch_counts = [], [5, 5, 4, 6, 4, 5]
        for i, (name, slug, _w) in enumerate(N.TOWNSHIPS):
            stem = town_stem(name)
            pool = N.STREET_COMMUNITIES if name.endswith("街道") else N.VILLAGES
            size = self.rnd.randint(8, 17) - 1
            communities = [f"{stem}社区", *self.rnd.sample(pool, min(size, len(pool)))]
            branches = [lead_branch_name(name), *(stem + s for s in N.BRANCH_SUFFIXES[: branch_counts[i] - 1])]
            managers = {b: [self.surname() + self.given(self.rnd.random() < 0.5, dt.date(1985, 1, 1))
                            for _ in range(self.rnd.randint(2, 3))] for b in branches}
            towns.append(Town(name, slug, communities, branches, managers))
        return towns

    def loans(self, towns: list) -> tuple[list, list]:
        weights = [w for _n, _s, w in N.TOWNSHIPS]
        borrowers, loans = [], []
        branch_seq = {b: 100000 + self.rnd.randrange(50000) for t in towns for b in t.branches}
        branch_code = {b: i + 11 for i, b in enumerate(b for t in towns for b in t.branches)}
        contract_seq: dict = {}
        while len(loans) < self.n:
            town = self.rnd.choices(towns, weights)[0]
            who = self.person(town.name, 1945, 1995)
            borrowers.append(who)
            k = self.rnd.choices((1, 2, 3, 4), (0.68, 0.22, 0.07, 0.03))[0]
            community = self.rnd.choice(town.communities)
            for _ in range(min(k, self.n - len(loans))):
                # The lead branch carries the larger share of a township's loans.
                branch = self.rnd.choices(town.branches, [3] + [1] * (len(town.branches) - 1))[0]
                branch_seq[branch] += self.rnd.randint(1, 40)
                issue = _day_between(self.rnd, dt.date(2012, 1, 1), dt.date(2022, 12, 31), weekday=True)
                contract_seq[issue.year] = contract_seq.get(issue.year, 1000) + self.rnd.randint(1, 9)
                loans.append(self.loan(
                    loan_no=f"{self.loan_prefix}{branch_code[branch]:02d}{branch_seq[branch]:07d}",
                    contract_no=f"农合借字{issue.year}第{contract_seq[issue.year]}号",
                    who=who, town=town, community=community, branch=branch, issue=issue,
                ))
        loans.sort(key=lambda row: row.loan_no)
        return borrowers, loans

    def loan(self, *, loan_no, contract_no, who, town, community, branch, issue) -> DemoLoan:
        rnd = self.rnd
        maturity = _add_years(issue, rnd.choices((1, 2, 3), (0.5, 0.3, 0.2))[0])
        if rnd.random() < 0.022:  # 大额抵押: a mortgage of one to eight million
            guarantee = rnd.choice(["抵押", "抵押+保证"])
            amount = Decimal(round(math.exp(rnd.uniform(math.log(1_000_000), math.log(8_000_000))), -4))
        else:
            guarantee = rnd.choices(["信用", "保证", "抵押", "抵押+保证", "质押"], (0.15, 0.55, 0.13, 0.10, 0.07))[0]
            r = rnd.random()
            lo, hi = (5_000, 30_000) if r < 0.07 else (300_000, 950_000) if r > 0.95 else (30_000, 300_000)
            amount = Decimal(round(math.exp(rnd.uniform(math.log(lo), math.log(hi))), -3 if rnd.random() < 0.8 else -4))
            amount = max(amount, Decimal(5000))
        if rnd.random() < 0.35:
            balance = _yuan(amount)
        else:
            balance = _yuan(amount * Decimal(str(round(rnd.uniform(0.25, 0.98), 4))))
        rate = Decimal(rnd.randrange(650, 1200, 5)) / 100
        overdue_days = (self.baseline - maturity).days
        years = Decimal(str(round(min(max(overdue_days, 30) / 365, 8) * rnd.uniform(0.3, 1.0), 4)))
        interest = _yuan(balance * rate / 100 * years)
        # Five-level floor by days overdue (DOMAIN.md); the bank may classify worse, never better.
        floor = 4 if overdue_days > 360 else 3 if overdue_days > 270 else 2
        level = min(4, floor + (1 if rnd.random() < 0.1 else 0))
        return DemoLoan(
            loan_no=loan_no, contract_no=contract_no, person=who, township=town.name, community=community, branch=branch,
            amount=_yuan(amount), balance=balance, interest=interest, issue=issue, maturity=maturity, guarantee=guarantee,
            classification=["正常", "关注", "次级", "可疑", "损失"][level], rate=f"{rate.normalize():f}",
            manager=rnd.choice(town.managers[branch]),
        )

    # rosters -------------------------------------------------------------------------------
    def rosters(self, towns: list, borrowers: list) -> dict:
        rnd = self.rnd
        taken: dict = {kind: [] for kind in ROSTER_KINDS}
        exclusive = {  # facts that cannot hold of one person at once
            "deceased": {"imprisoned", "lost_contact", "public_servant"},
            "imprisoned": {"deceased", "lost_contact", "public_servant"},
            "lost_contact": {"deceased", "imprisoned"},
            "public_servant": {"dibao", "poverty", "deceased", "imprisoned"},
            "dibao": {"public_servant"},
            "poverty": {"public_servant"},
        }
        on = {}  # id → kinds
        for kind in ROSTER_KINDS:
            share, _ = ROSTER_SHARES[kind]
            want = max(1, round(len(borrowers) * share))
            pool = [b for b in borrowers if not (exclusive.get(kind, set()) & on.get(b.id_number, set()))]
            for b in rnd.sample(pool, min(want, len(pool))):
                taken[kind].append(b)
                on.setdefault(b.id_number, set()).add(kind)
        town_names = [t.name for t in towns]
        years = {"public_servant": (1965, 2000), "deceased": (1925, 1985), "imprisoned": (1965, 2000),
                 "emigrated": (1950, 2000), "poverty": (1940, 2010)}
        rosters = {}
        for kind in ROSTER_KINDS:
            _, per_loan = ROSTER_SHARES[kind]
            first, last = years.get(kind, (1935, 2005))
            others = [self.person(rnd.choice(town_names), first, last) for _ in range(round(self.n * per_loan))]
            people = taken[kind] + others
            rnd.shuffle(people)
            rosters[kind] = [(p, self.roster_extra(kind, p)) for p in people]
        return rosters

    def roster_extra(self, kind: str, p: Person):
        rnd = self.rnd
        if kind == "public_servant":
            return rnd.choice(N.WORK_UNITS)
        if kind == "dibao":
            return rnd.choice(N.DIBAO_KINDS)
        if kind == "disabled":
            return rnd.choice(N.DISABILITY)
        if kind == "poverty":
            return f"{rnd.randint(2016, 2020)}年脱贫"
        if kind == "emigrated":
            return rnd.choice(N.EMIGRATED_TO)
        if kind == "deceased":
            # Died before the roster's day (the roster is older than the baseline): the same draw, squeezed in.
            lo, hi = max(dt.date(2015, 1, 1), _add_years(p.born, 30)), self.baseline - dt.timedelta(days=10)
            day, last = _day_between(rnd, lo, hi), ROSTERS_AS_OF - dt.timedelta(days=10)
            if day > last:
                day = last if lo >= last else lo + dt.timedelta(days=(day - lo).days * (last - lo).days // max((hi - lo).days, 1))
            return day
        if kind == "imprisoned":
            return _day_between(rnd, self.baseline + dt.timedelta(days=30), dt.date(2032, 12, 31))
        if kind == "lost_contact":
            return rnd.choice(N.LOST_CONTACT_NOTES)
        return rnd.choice(N.ELSEWHERE)  # nominal household: where they actually live

    # the bank's loan list, the court, the bank's flow, the ledger --------------------------
    def loan_list(self, loans: list) -> list:
        pool = [ln for ln in loans if ln.balance < MILLION]
        chosen = self.rnd.sample(pool, max(1, round(self.n * 0.012)))
        return [(ln, "冒名顶替" if self.rnd.random() < 0.4 else "农合行职工") for ln in sorted(chosen, key=lambda x: x.loan_no)]

    def cases(self, loans: list) -> list:
        rnd = self.rnd
        large = [ln for ln in loans if ln.balance >= MILLION and "抵押" in ln.guarantee]
        sued = rnd.sample(large, len(large) * 45 // 100)
        picked = {ln.loan_no for ln in sued}
        sued += rnd.sample([ln for ln in loans if ln.loan_no not in picked], max(0, round(self.n * 0.037) - len(sued)))
        picked = {ln.loan_no for ln in sued}
        against_bank = rnd.sample([ln for ln in loans if ln.loan_no not in picked], max(1, round(self.n * 0.008)))
        stages = ["已起诉", "已立案", "审理中", "已判决", "已调解", "执行中", "终结本次执行", "已结案"]
        rows = []
        for ln, direction in [(x, "银行起诉借款人") for x in sued] + [(x, "借款人起诉银行") for x in against_bank]:
            filed = _day_between(rnd, max(dt.date(2022, 6, 1), ln.maturity + dt.timedelta(days=60)),
                                 self.baseline - dt.timedelta(days=20), weekday=True)
            if direction == "银行起诉借款人":
                stage = rnd.choices(stages, (0.05, 0.08, 0.12, 0.15, 0.08, 0.25, 0.22, 0.05))[0]
            else:
                stage = rnd.choices(["已立案", "审理中", "已判决"], (0.3, 0.4, 0.3))[0]
            accepted = filed + dt.timedelta(days=rnd.randint(3, 10)) if stage != "已起诉" else None
            judged = accepted + dt.timedelta(days=rnd.randint(45, 180)) if stages.index(stage) >= 3 else None
            if judged and judged > self.baseline:
                stage, judged = "审理中", None
            rows.append({"loan": ln, "direction": direction, "court": f"{self.district_name}人民法院", "filed": filed,
                         "accepted": accepted, "judged": judged, "stage": stage})
        _number_cases(rows, rnd)
        return rows

    def action(self, ln, day, method, signature, who, outcome, note, rnd=None) -> dict:
        rnd = rnd or self.rnd
        promise_on = promise_amount = None
        if outcome == "promise":
            promise_on = day + dt.timedelta(days=rnd.randint(15, 90))
            promise_amount = _yuan(ln.balance * Decimal(str(round(rnd.uniform(0.05, 0.3), 2))))
        return {"loan": ln, "acted_on": day, "method": method, "signature": signature, "collector": who,
                "outcome": N.ACTION_OUTCOMES[outcome], "promise_on": promise_on, "promise_amount": promise_amount,
                "note": note}


def _number_cases(rows: list, rnd: random.Random) -> None:
    """Case numbers run in filing order within each year, as a court's register does."""
    rows.sort(key=lambda r: (r["filed"], r["loan"].loan_no))
    civil_no, enforce_no = {}, {}
    for r in rows:
        year = r["filed"].year
        civil_no[year] = civil_no.get(year, 1000) + rnd.randint(1, 12)
        r["case_no"] = f"({year}){N.COURT_REGION}民初{civil_no[year]}号"
        r["enforcement_no"] = ""
        if r["judged"] and r["stage"] in ("执行中", "终结本次执行", "已结案"):
            year = r["judged"].year if r["judged"].month < 11 else r["judged"].year + 1
            enforce_no[year] = enforce_no.get(year, 500) + rnd.randint(1, 6)
            r["enforcement_no"] = f"({year}){N.COURT_REGION}执{enforce_no[year]}号"


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _month_starts(first: dt.date, last: dt.date) -> list:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


class _History:
    """Two years of collection, month by month: the ledger and the bank's repayment flow.

    Whether a borrower repays depends on facts the platform records, in a learnable but noisy way: a
    hidden willingness to pay (never written anywhere) drives contact, promises, keeping them and
    repaying; a recent repayment makes another likelier; contact and a promise raise the chance, a
    refusal or no answer lowers it; lost-contact, deceased and imprisoned borrowers rarely pay, the
    poor less often; the campaign after the baseline raises the pace of collection. Its own random
    stream: the loans, rosters and cases are drawn exactly as without it.

    The bank's balances on the baseline are what remains after the repayments made before it (a
    repayment dated on or before the snapshot is inside it).
    """

    METHODS = (["上门催收", "电话催收", "短信催收", "信函催收", "律师函"], (0.4, 0.3, 0.1, 0.12, 0.08))
    CHANNELS = ["现金", "转账", "借新还旧", "转贷", "法院执行", "抵押物处置", "以物抵债", "其他"]

    def __init__(self, gen: "_Generator", district: "DemoDistrict"):
        self.gen = gen
        self.rnd = random.Random(f"{district.seed}-history")
        self.d = district
        people = {kind: {p.id_number for p, _ in district.rosters[kind]} for kind in ROSTER_KINDS}
        self.lost, self.dead, self.jailed = people["lost_contact"], people["deceased"], people["imprisoned"]
        self.poor = people["dibao"] | people["disabled"] | people["poverty"]
        self.sued = {c["loan"].loan_no for c in district.cases if c["direction"] == "银行起诉借款人"}
        self.judged = {c["loan"].loan_no for c in district.cases if c["judged"]}
        self.repayments, self.actions, self.seq = [], [], 0
        self.collectors = {}  # township → its collector's name

    def run(self) -> None:
        # Each month's first and last day and whether it is after the baseline, worked out once for every loan.
        months = [(month, min(_month_end(month), REPAID_UNTIL), month > self.d.baseline)
                  for month in _month_starts(HISTORY_FROM, REPAID_UNTIL)]
        for ln in self.d.loans:
            self.loan(ln, months)
        self.repayments.sort(key=lambda r: (r["paid_on"], r["txn_no"]))
        self.actions.sort(key=lambda r: (r["acted_on"], r["loan"].loan_no, r["method"]))

    def loan(self, ln: DemoLoan, months: list) -> None:
        rnd, baseline = self.rnd, self.d.baseline
        pid = ln.person.id_number
        lost, dead, jailed = pid in self.lost, pid in self.dead, pid in self.jailed
        will = rnd.gauss(0, 1)
        years = max((HISTORY_FROM - ln.maturity).days, 0) / 365
        base = -3.3 + 0.9 * will - 0.7 * (pid in self.poor) + 0.3 * ("抵押" in ln.guarantee) - 0.08 * years
        base = -6.0 if lost else -4.8 if dead else -5.5 if jailed else base
        start = ln.balance  # the balance when the history begins; the baseline's is what remains
        balance, floor, before = start, _yuan(start * Decimal("0.1")), Decimal("0.00")
        if ln.collector and ln.township not in self.collectors:
            self.collectors[ln.township] = collector_name(ln.township)
        who = self.collectors[ln.township] if ln.collector else ln.manager
        judged = ln.loan_no in self.judged
        zero = Decimal(0)
        seen, last_paid, last_contact, refused = set(), None, None, None
        pending = []  # (pay by, amount) of promises the borrower will keep
        if lost:  # the provincial paper's notice names the whole lost-contact list
            self.add_action(ln, dt.date(2026, 5, 20), "登报公告", "未签收", who, "absent", "省级报纸公告催收", seen)
        for month, end, after in months:
            rate = (0.30 if after else 0.10) if ln.collector else (0.12 if after else 0.05)
            if rnd.random() < (0.04 if lost else rate):
                day = _day_between(rnd, month, end, weekday=True)
                method = rnd.choices(*self.METHODS)[0]
                recent = last_paid is not None and (day - last_paid).days < 120
                outcome, signature = self.outcome(method, will, lost, dead, recent)
                if self.add_action(ln, day, method, signature, who, outcome, "", seen):
                    if outcome in ("promise", "met", "family", "partial", "no_means"):
                        last_contact = day
                    refused = day if outcome == "refuse" else refused
                    act = self.actions[-1]
                    if outcome == "promise" and rnd.random() < _sigmoid(0.1 + 1.1 * will + 0.8 * recent):
                        pending.append((act["promise_on"], act["promise_amount"]))
            # This month's repayments: promises falling due, then the borrower's own accord.
            for by, amount in [p for p in pending if p[0] <= end]:
                pending.remove((by, amount))
                day = _day_between(rnd, max(month, by - dt.timedelta(days=25)), min(by, end))
                paid = self.pay(ln, day, amount, balance, floor if day <= baseline else zero)
                balance -= paid
                before += paid if day <= baseline else 0
                last_paid = day if paid else last_paid
            if balance <= 0:
                break
            z = base + (0.35 if after else 0.0)
            if last_paid is not None and (month - last_paid).days < 100:
                z += 1.3
            if last_contact is not None and (month - last_contact).days < 75:
                z += 0.7
            if refused is not None and (month - refused).days < 120:
                z -= 0.8
            if judged:
                z += 0.5
            if rnd.random() < _sigmoid(z):
                day = _day_between(rnd, month, end)
                settle = day > baseline and rnd.random() < 0.25
                share = Decimal(str(round(rnd.uniform(0.05, 0.4), 3)))
                amount = balance if settle else _yuan(balance * share)
                paid = self.pay(ln, day, amount, balance, floor if day <= baseline else zero)
                balance -= paid
                before += paid if day <= baseline else 0
                last_paid = day if paid else last_paid
            if balance <= 0:
                break
        ln.balance = start - before

    def outcome(self, method: str, will: float, lost: bool, dead: bool, recent: bool) -> tuple[str, str]:
        rnd = self.rnd
        letter = method in ("上门催收", "信函催收", "律师函")
        if lost:
            return ("absent" if method == "上门催收" else "stopped"), "未签收"
        reach = 0.3 + 0.6 * (method == "上门催收") + 0.5 * will
        if dead:
            contact = rnd.random() < 0.5
            return ("family" if contact else "absent"), ("家属签收" if contact and letter else "未签收")
        if rnd.random() > _sigmoid(reach):
            return ("absent" if method == "上门催收" else "no_answer"), ("未签收" if rnd.random() < 0.8 or not letter else "拒签")
        signature = rnd.choices(["借款人签收", "家属签收"], (0.7, 0.3))[0] if letter else "未签收"
        r = rnd.random()
        if r < _sigmoid(-0.6 + 1.0 * will + 0.7 * recent):
            return "promise", signature
        if r < _sigmoid(-0.6 + 1.0 * will + 0.7 * recent) + 0.15 * (will < 0):
            return "refuse", ("拒签" if letter and rnd.random() < 0.5 else signature)
        return rnd.choice(["met", "no_means", "family"]), signature

    def add_action(self, ln, day, method, signature, who, outcome, note, seen) -> bool:
        if (day, method) in seen:
            return False
        seen.add((day, method))
        self.actions.append(self.gen.action(ln, day, method, signature, who, outcome, note, self.rnd))
        return True

    def pay(self, ln: DemoLoan, day: dt.date, amount: Decimal, balance: Decimal, keep: Decimal) -> Decimal:
        """Book a repayment of up to `amount` principal leaving at least `keep`; the principal booked."""
        principal = min(amount, balance - keep)
        if principal <= 0:
            return Decimal(0)
        rnd = self.rnd
        mortgage, sued = "抵押" in ln.guarantee, ln.loan_no in self.sued
        channel = rnd.choices(self.CHANNELS, (0.45, 0.25, 0.10, 0.05, 0.07 if sued else 0, 0.05 if mortgage else 0,
                                              0.02 if mortgage else 0, 0.01))[0]
        self.seq += 1
        interest = _yuan(ln.interest * Decimal(str(round(rnd.uniform(0, 0.1), 3))))
        self.repayments.append({"txn_no": f"LS{day:%Y%m%d}{self.seq:06d}", "loan": ln, "paid_on": day,
                                "principal": principal, "interest": interest, "channel": channel})
        return principal


def build_district(*, loans: int = 3000, seed: int = SEED, baseline: dt.date = BASELINE,
                   district_name: str = "西岭区", end: dt.date | None = None, loan_prefix: str = "8103") -> DemoDistrict:
    """The whole demo district in memory (no files): units, borrowers, loans, and every list's rows.

    `end` is the day the history runs to (`npl demo`: the day before it is loaded); the story is drawn on its
    reference dates (history ending REPAID_UNTIL), then every dated fact is moved by the same number of days,
    so the same seed and `end` give the same data, and the demo looks alive whatever day it is loaded."""
    gen = _Generator(loans, seed, baseline, district_name, loan_prefix)
    towns = gen.towns()
    borrowers, loan_rows = gen.loans(towns)
    for ln in loan_rows:  # some loans of each township go to its collector (包保责任人)
        ln.collector = gen.rnd.random() < 0.12
    district = DemoDistrict(district_name, seed, baseline, towns, loan_rows, borrowers)
    district.rosters = gen.rosters(towns, borrowers)
    district.loan_list = gen.loan_list(loan_rows)
    district.cases = gen.cases(loan_rows)
    history = _History(gen, district)
    history.run()
    district.repayments, district.actions = history.repayments, history.actions
    if end is not None and end != REPAID_UNTIL:
        _move(district, (end - REPAID_UNTIL).days)
    return district


def _move(d: DemoDistrict, days: int) -> None:
    """Move every dated fact of the story by `days` (birth dates stay: the ID numbers carry them)."""
    d.shift = days
    on = d.on
    d.baseline = on(d.baseline)
    for ln in d.loans:
        ln.issue, ln.maturity = on(ln.issue), on(ln.maturity)
        ln.contract_no = re.sub(r"^农合借字\d{4}", f"农合借字{ln.issue.year}", ln.contract_no)  # numbers carry their year
    for kind, rows in d.rosters.items():
        d.rosters[kind] = [(p, on(v) if isinstance(v, dt.date) else v) for p, v in rows]
    for c in d.cases:
        for key in ("filed", "accepted", "judged"):
            c[key] = c[key] and on(c[key])
    _number_cases(d.cases, random.Random(f"{d.seed}-case-numbers"))  # the register's years follow the moved days
    for r in d.repayments:
        r["paid_on"] = on(r["paid_on"])
        # The bank's flow numbers carry the day, then the sequence: all its digits (a million repayments need seven;
        # keeping six gave 1,034 numbers twice in the 1M demo, refused as conflicting duplicates).
        r["txn_no"] = f"LS{r['paid_on']:%Y%m%d}{r['txn_no'][10:]}"
    for a in d.actions:
        a["acted_on"] = on(a["acted_on"])
        a["promise_on"] = a["promise_on"] and on(a["promise_on"])


# writing ---------------------------------------------------------------------------------------
SHEET_ROWS = 1_048_576  # an .xlsx sheet's rows (Excel's limit, and XlsxWriter's)
PART_ROWS = 1_000_000  # the data rows of one flow or ledger file: a larger flow is written as several files, as a
# bank exports a long period month by month


def _parts(rows: list, stem: str) -> list[tuple[str, list]]:
    """(file name, rows) of each file a list is written as: `stem.xlsx`, then `stem-2.xlsx`, … of PART_ROWS rows."""
    return [(f"{stem}.xlsx" if i == 0 else f"{stem}-{i // PART_ROWS + 1}.xlsx", rows[i : i + PART_ROWS])
            for i in range(0, max(len(rows), 1), PART_ROWS)]

class _Sheet:
    """One workbook of one sheet, written row by row (constant memory: fine for 100,000 rows)."""

    def __init__(self, path: Path, sheet: str = "Sheet"):
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.book.set_properties({"created": _FILE_TIME, "author": "npl demo"})
        self.ws = self.book.add_worksheet(sheet)
        self.date_fmt = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.money_fmt = self.book.add_format({"num_format": "#,##0.00"})
        self.row = 0

    def write(self, cells: list) -> None:
        if self.row >= SHEET_ROWS:  # XlsxWriter ignores the cells of a row past the end without a word
            raise ValueError(f"{self.book.filename}: 第{self.row + 1}行超出 .xlsx 工作表的{SHEET_ROWS}行")
        for col, value in enumerate(cells):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                self.ws.write_datetime(self.row, col, dt.datetime.combine(value, dt.time()), self.date_fmt)
            elif isinstance(value, Decimal):
                self.ws.write_number(self.row, col, float(value), self.money_fmt)
            elif isinstance(value, (int, float)):
                self.ws.write_number(self.row, col, value)
            else:
                self.ws.write_string(self.row, col, str(value))
        self.row += 1

    def close(self) -> None:
        self.book.close()


def _date_cell(rnd: random.Random, day: dt.date | None):
    """Mostly real Excel dates; some typed as text in the forms clerks use."""
    if day is None:
        return None
    r = rnd.random()
    if r < 0.06:
        return f"{day:%Y.%m.%d}"
    if r < 0.09:
        return f"{day.year}/{day.month}/{day.day}"
    if r < 0.10:
        return f"{day.year}年{day.month}月{day.day}日"
    return day


def _money_cell(rnd: random.Random, value: Decimal):
    return f"{value:,.2f}" if rnd.random() < 0.08 else value


def _name_cell(rnd: random.Random, name: str) -> str:
    """Names as typed: a padded two-character name (张　三) or a stray trailing space now and then."""
    r = rnd.random()
    if len(name) == 2 and r < 0.05:
        return name[0] + "\u3000" + name[1]
    if r < 0.08:
        return name + " "
    return name


def _id_cell(rnd: random.Random, number: str, old_roster: bool) -> str:
    """The 18-digit number; an old roster still holds some first-generation 15-digit ones."""
    if old_roster and number[6:8] == "19" and int(number[8:10]) < 80 and rnd.random() < 0.1:
        return number[:6] + number[8:17]
    if number.endswith("X") and rnd.random() < 0.3:
        return number[:-1] + "x"
    return number


def _misspell(name: str) -> str | None:
    for i in range(len(name) - 1, 0, -1):
        if name[i] in N.HOMOPHONES:
            return name[:i] + N.HOMOPHONES[name[i]] + name[i + 1 :]
    return None


def write_demo_files(out_dir, *, loans: int = 3000, seed: int = SEED, baseline: dt.date = BASELINE,
                     district_name: str = "西岭区", kinds=None, end: dt.date | None = None) -> DemoDistrict:
    """Write the demo files into out_dir (every kind, or only `kinds`, e.g. ("loans",) for a benchmark), the
    history running to `end` (default: the reference REPAID_UNTIL); return the district with `files` in import order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    d = build_district(loans=loans, seed=seed, baseline=baseline, district_name=district_name, end=end)
    d.files = []
    for kind, write in _WRITERS:
        if kinds is None or kind in kinds:
            # Each file styles its cells from its own stream: one file's bytes do not depend on the others.
            write(d, out, random.Random(f"{seed}-{kind}"))
    return d


def stream_demo_files(d: DemoDistrict, out_dir) -> Iterator[DemoFile]:
    """Write the district's files in a forked child process, in import order, yielding each as it is complete.

    The same writers and streams as `write_demo_files` (the same bytes), so a loader imports the bank's list
    while the child writes the rest: at 100,000 loans the writing (~2 minutes of XlsxWriter) overlaps the
    imports instead of adding to them. The child never touches the database (it only writes files) and
    leaves by os._exit, so the parent's connections are untouched. `d.files` fills in as files arrive."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    d.files = []
    ctx = multiprocessing.get_context("fork")
    queue = ctx.SimpleQueue()
    child = ctx.Process(target=_write_into, args=(d, out, queue), daemon=True)
    child.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                break
            if isinstance(item, str):  # the child's traceback
                raise RuntimeError(f"写出演示文件失败：\n{item}")
            d.files.append(item)
            yield item
    finally:  # a loader that stopped early (a refused import) does not wait for the rest
        if child.is_alive():
            child.terminate()
        child.join()


def _write_into(d: DemoDistrict, out: Path, queue) -> None:
    try:
        for kind, write in _WRITERS:
            done = len(d.files)
            write(d, out, random.Random(f"{d.seed}-{kind}"))
            for f in d.files[done:]:
                queue.put(f)
    except BaseException:  # noqa: BLE001 - handed to the parent, which raises it
        queue.put(traceback.format_exc())
    queue.put(None)


def _add(d: DemoDistrict, kind, sub_kind, path, rows):
    as_of = d.rosters_as_of if kind == "roster" else d.baseline if kind in ("loans", "loan-list") else None
    d.files.append(DemoFile(kind, sub_kind, path, as_of, rows))


def _write_loans(d: DemoDistrict, out: Path, rnd: random.Random) -> None:
    """The bank's NPL list, as its core system exports it."""
    district_name, baseline = d.name, d.baseline
    sheet = _Sheet(out / "loans.xlsx", "不良贷款明细")
    sheet.write([f"{district_name}农合行不良贷款明细表"])
    sheet.write([f"统计日期：{baseline:%Y年%m月%d日}", *[""] * 15, "单位：元"])
    sheet.write(LOAN_HEADER)
    for i, ln in enumerate(d.loans, 1):
        sheet.write([i, ln.loan_no, ln.contract_no, _name_cell(rnd, ln.person.name), ln.person.id_number, ln.person.phone,
                     ln.township, ln.community, ln.branch, _money_cell(rnd, ln.amount), _money_cell(rnd, ln.balance),
                     ln.interest, _date_cell(rnd, ln.issue), _date_cell(rnd, ln.maturity), ln.guarantee,
                     ln.classification, ln.rate, ln.manager])
    sheet.write(["合计", *[""] * 9, sum((ln.balance for ln in d.loans), Decimal("0.00"))])
    sheet.close()
    _add(d, "loans", None, out / "loans.xlsx", len(d.loans))


def _write_rosters(d: DemoDistrict, out: Path, rnd: random.Random) -> None:
    """Nine rosters, district-wide, from the bureaus that keep them."""
    district_name = d.name
    misspelt = {"dibao": 2, "public_servant": 1}
    borrower_ids = {b.id_number for b in d.borrowers}
    for kind in ROSTER_KINDS:
        title, extra = ROSTER_TITLES[kind]
        sheet = _Sheet(out / f"roster_{kind}.xlsx")
        sheet.write([f"{district_name}{title}（{d.rosters_as_of.year}年{d.rosters_as_of.month}月）"])
        sheet.write(["序号", "姓名", "公民身份号码", extra])
        old = kind in ("deceased", "dibao", "disabled")
        for i, (p, value) in enumerate(d.rosters[kind], 1):
            name = p.name
            if misspelt.get(kind) and p.id_number in borrower_ids and (wrong := _misspell(name)):
                misspelt[kind] -= 1
                name = wrong  # the same ID under another name: matched, and warned about
            sheet.write([i, _name_cell(rnd, name), _id_cell(rnd, p.id_number, old), value])
        sheet.close()
        _add(d, "roster", kind, out / f"roster_{kind}.xlsx", len(d.rosters[kind]))


def _write_loan_list(d: DemoDistrict, out: Path, rnd: random.Random) -> None:
    sheet = _Sheet(out / "impersonated_or_staff.xlsx")
    sheet.write(["冒名及职工借名贷款清单"])
    sheet.write(LIST_HEADER)
    for i, (ln, kind) in enumerate(d.loan_list, 1):
        sheet.write([i, ln.loan_no, ln.person.name, kind])
    sheet.close()
    _add(d, "loan-list", "impersonated_or_staff", out / "impersonated_or_staff.xlsx", len(d.loan_list))


def _write_litigation(d: DemoDistrict, out: Path, rnd: random.Random) -> None:
    sheet = _Sheet(out / "litigation.xlsx")
    sheet.write(LITIGATION_HEADER)
    for i, c in enumerate(d.cases, 1):
        sheet.write([i, c["loan"].loan_no, c["loan"].person.name, c["direction"], c["case_no"], c["court"], c["filed"],
                     c["accepted"], c["judged"], c["enforcement_no"], c["stage"]])
    sheet.close()
    _add(d, "litigation", None, out / "litigation.xlsx", len(d.cases))


def _write_repayments(d: DemoDistrict, out: Path, rnd: random.Random) -> None:
    for name, rows in _parts(d.repayments, "repayments"):
        sheet = _Sheet(out / name)
        sheet.write(REPAYMENT_HEADER)
        for r in rows:
            sheet.write([r["txn_no"], r["loan"].loan_no, r["loan"].person.name, r["paid_on"], r["principal"],
                         r["interest"], r["channel"]])
        sheet.close()
        _add(d, "repayments", None, out / name, len(rows))


def _write_actions(d: DemoDistrict, out: Path, rnd: random.Random) -> None:
    for name, rows in _parts(d.actions, "actions"):
        sheet = _Sheet(out / name, "催收台账")
        sheet.write([f"{d.name}不良贷款催收台账"])
        sheet.write(ACTION_HEADER)
        for a in rows:
            sheet.write([a["loan"].loan_no, a["loan"].person.name, a["acted_on"], a["method"], a["signature"],
                         a["collector"], a["outcome"], a["promise_on"], a["promise_amount"], a["note"]])
        sheet.close()
        _add(d, "actions", None, out / name, len(rows))


# In import order: loans first (they create the units), then what refers to them.
_WRITERS = [
    ("loans", _write_loans),
    ("roster", _write_rosters),
    ("loan-list", _write_loan_list),
    ("litigation", _write_litigation),
    ("repayments", _write_repayments),
    ("actions", _write_actions),
]
