"""What a sheet's layout says about its figures: stated units (元/万元) converted exactly, the totals row
checked against the rows read, hidden rows listed. The pipeline (importers/base.py) calls these.

Totals rule (docs/intake.md): the last 合计/总计 row (found in any column) is compared, in every amount
column it fills, with the data rows read, each converted to 元 by its column's unit. When every row will be
written the total must equal their sum. When some are refused or duplicated, a bank may have totalled its
rows as written or only its good loans (the sample set does), so the total must lie between the sum of the
rows kept and the sum of all rows as written: a row-level problem keeps its row-level refusal, while a
missing row, an extra one or a wrong unit (a factor of 10,000) is still caught. The sum is compared at the
places the total is written with (a 万元 total typed to 2 places still matches); a column holding a cell
that is not a number at all is not checked (that row's refusal says what is wrong). 小计 rows are skipped
and not checked (they sum parts of the file).
"""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from npl.core.money import fmt_wan, fmt_yuan
from npl.intake.choices import Reason
from npl.intake.headers import WAN, YUAN
from npl.intake.normalize import RowError, is_blank, text
from npl.intake.readers import UnusableFile

TEN_THOUSAND = Decimal(10000)
MAX_WAN_PLACES = 6  # 万元 × 10000 is exact to the cent only up to 6 decimals
_PLAIN = re.compile(r"\d+(?:\.\d+)?")
_STRIP = re.compile(r"[\s,，_'’]")
_TOTAL = re.compile(r"[\s\u3000:：]")
TOTAL_WORDS = {"合计", "总计"}
SUBTOTAL_WORDS = {"小计"}


def total_word(cells) -> str:
    """合计/总计/小计 if any cell of the row is that word (spaces and colons ignored: 合　计, 合计：), else ''."""
    for c in cells:
        if type(c) is str and "计" in c and len(c) <= 12:
            word = _TOTAL.sub("", c)
            if word in TOTAL_WORDS or word in SUBTOTAL_WORDS:
                return word
    return ""


# A signature or note line under the table: 制表人：王芳  复核人：李强  制表日期：…, 备注：…, 注：…
_FOOTER = re.compile(r"^[\s\u3000]*(?:制表|填表|填报|编制|审核|复核|审批|审定|核对|负责人|部门负责人|单位负责人|主管|经办|打印|备注|附注|说明|注\s*[:：]|注\d)")


def footer_row(cells) -> bool:
    """True when every filled cell of the row is a signature or note (制表人：…, 复核人：…, 备注：…): a line
    under the table, not a loan. A data row always holds a key, a name or a figure that is none of these."""
    filled = False
    for c in cells:  # a data row stops at its first cell that is a number or ordinary text
        if c is None:
            continue
        if type(c) is not str:
            return False
        if not c.strip():
            continue
        if not _FOOTER.match(c):
            return False
        filled = True
    return filled


def column_numbers_row(cells) -> bool:
    """True for a row of column numbers under a header (栏次: 1 2 3 … or 甲 乙 1 2 …), as statistical forms
    print them: consecutive whole numbers from 1 in the filled cells, at least five of them."""
    numbers = []
    for c in cells:
        if is_blank(c) or (type(c) is str and text(c) in {"栏次", "甲", "乙", "丙", "序号"}):
            continue
        if isinstance(c, float) and c.is_integer():
            c = int(c)
        if type(c) is str and text(c).isdigit():
            c = int(text(c))
        if type(c) is not int:
            return False
        numbers.append(c)
    return len(numbers) >= 5 and numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] in (1, 2)


def decimal_of(value) -> Decimal | None:
    """A cell as an exact Decimal (None when blank); a trailing 元/万元/万 is allowed. Raises ValueError."""
    if type(value) is str and _PLAIN.fullmatch(value):
        return Decimal(value)  # the common cell, checked by one pattern (this runs for every amount cell)
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(value)
        return Decimal(format(value, ".15g"))  # Excel's own 15 significant digits
    s = _STRIP.sub("", text(value))
    for suffix in ("人民币", "万元", "元", "万", "¥", "￥"):
        s = s.replace(suffix, "")
    if s in {"", "-", "—"}:
        return None
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        raise ValueError(value)
    try:
        return Decimal(s)
    except InvalidOperation as exc:  # pragma: no cover - the pattern guards this
        raise ValueError(value) from exc


def to_yuan(raw: dict, units: dict, labels: dict) -> dict:
    """The row with its 万元 cells converted exactly to 元 (Decimal); a 万元 value with more than 6 decimals
    cannot be exact to the cent and refuses the row naming the column. Other cells pass unchanged."""
    converted = None
    for f, unit in units.items():
        if unit != WAN:
            continue
        value = raw.get(f)
        try:
            d = decimal_of(value)
        except ValueError:
            continue  # the importer refuses it as not a number, with its own message
        if d is None:
            continue
        if -d.as_tuple().exponent > MAX_WAN_PLACES:
            raise RowError(
                Reason.INVALID_AMOUNT,
                f"{labels.get(f, f)}：{text(value)} 万元有 {-d.as_tuple().exponent} 位小数，换算成元无法精确到分"
                f"（万元最多 {MAX_WAN_PLACES} 位小数），请按元填写或核对该数",
            )
        converted = converted or dict(raw)
        converted[f] = d * TEN_THOUSAND
    return converted or raw


class Totals:
    """Sums the amount columns of the rows read and checks them against the file's totals row."""

    def __init__(self, units: dict, labels: dict):
        self.units = units
        self.labels = labels
        self.sums = {f: Decimal(0) for f in units}
        self.negative = {f: Decimal(0) for f in units}  # negative cells (refused rows) bound the total from below
        self.unreadable: set[str] = set()
        self.total_row: tuple[int, dict] | None = None
        self.places = dict.fromkeys(units, 0)  # the most decimals a cell of the column carries
        self.cells = dict.fromkeys(units, 0)  # numeric cells summed
        self.rounding: list[str] = []  # totals accepted only within the rows' rounding (report warnings)

    def add(self, raw: dict) -> None:
        for f in self.sums:
            try:
                d = decimal_of(raw.get(f))
            except ValueError:
                self.unreadable.add(f)
                continue
            if d is not None:
                self.sums[f] += d
                self.cells[f] += 1
                self.places[f] = max(self.places[f], -d.as_tuple().exponent)
                if d < 0:
                    self.negative[f] += d

    def stated(self, row_no: int, raw: dict) -> None:
        self.total_row = (row_no, raw)  # the last one wins: earlier ones are section totals

    def check(self, accepted=None) -> dict | None:
        """None without a totals row; else what was compared, per column. Raises UnusableFile on a mismatch.

        `accepted` is None when every row read will be written (the total must equal their sum), else a
        function giving the sums in 元 of the rows that will be: a bank may total its rows as written or
        only its good loans, so the total must then lie between the rows kept (plus any negative cells)
        and all rows as written — each refused or duplicate row counted or not."""
        if self.total_row is None:
            return None
        row_no, raw = self.total_row
        kept = accepted() if accepted is not None else None
        checked, problems = {}, []
        for f, total in self.sums.items():
            try:
                stated = decimal_of(raw.get(f))
            except ValueError:
                continue
            if stated is None or f in self.unreadable:
                continue
            factor = TEN_THOUSAND if self.units[f] == WAN else Decimal(1)
            # The sum is compared at the places the total is written with (a 万元 total typed to 2 places).
            half = Decimal(5).scaleb(-max(0, -stated.as_tuple().exponent) - 1)
            high = total
            low = total if kept is None else kept.get(f, Decimal(0)) / factor + self.negative[f]
            entry = {"row": row_no, "stated": fmt_yuan(stated * factor), "sum": fmt_yuan(total * factor), "unit": self.units[f]}
            if kept is not None:
                entry["sum_kept"] = fmt_yuan(kept.get(f, 0))
            checked[f] = entry
            # 万元 figures rounded to fewer than 6 places each lose up to half their last place: a bank's total
            # (the exact sum, rounded) then differs from the rounded rows' sum. The errors are even in ±half a
            # place, so their sum has a standard deviation of half × √(n/3); 4 of them (never more than n
            # halves) is allowed — 0.17 万元 for 200 rows to 2 places, so a missing loan is still caught.
            slack = Decimal(0)
            if self.units[f] == WAN and self.places[f] < MAX_WAN_PLACES:
                n = self.cells[f]
                halves = min(n, max(1, int((4 * (Decimal(n) / 3).sqrt()).to_integral_value(rounding=ROUND_HALF_UP))))
                slack = halves * Decimal(5).scaleb(-self.places[f] - 1)
            within = low - half < stated <= high + half or (low == high and _rounded_equal(total, stated))
            if not within and slack and low - half - slack < stated <= high + half + slack:
                entry["rounding"] = fmt_yuan(slack * factor)
                self.rounding.append(
                    f"{self.labels.get(f, f)}：合计行写 {fmt_wan(stated * factor)} 万元，各行相加为 {fmt_wan(total * factor)} 万元，"
                    f"差额在各行按万元保留{self.places[f]}位小数的四舍五入范围内（{self.cells[f]}行，"
                    f"最多 {fmt_wan(slack * factor)} 万元）；金额按各行所写导入，如需精确到分请按元导出"
                )
                within = True
            if not within:
                computed = (f"各行相加为 {fmt_yuan(total * factor)} 元（{fmt_wan(total * factor)} 万元）" if kept is None else
                            f"各行相加为 {fmt_yuan(total * factor)} 元（{fmt_wan(total * factor)} 万元），其中可导入的行相加为 "
                            f"{fmt_yuan(kept.get(f, 0))} 元（{fmt_wan(kept.get(f, 0))} 万元）")
                problems.append(
                    f"{self.labels.get(f, f)}：合计行写 {fmt_yuan(stated * factor)} 元（{fmt_wan(stated * factor)} 万元），{computed}"
                )
        if problems:
            unit_note = "；".join(f"{self.labels.get(f, f)}按{u}读取" for f, u in self.units.items() if f in checked)
            raise UnusableFile(
                f"合计行（第{row_no}行）与明细不符：" + "；".join(problems)
                + f"。请核对是否漏行、多行或金额单位有误（{unit_note}；单位可在表头写作“贷款金额（万元）”或在表头上方写“单位：万元”）"
            )
        return checked or None


class UnitCheck:
    """Catches an amount column read in the wrong unit, which no totals row can catch (a bank totals a
    column in the unit of its rows).

    The importer gives, per amount column, the range a figure plausibly lies in (a loan's 贷款金额: from
    1,000 元 to 1亿元). Most figures of a column read as 元 with no unit stated lying below the floor mean
    the file is in 万元 (10,000 times too small); most figures of a column read as 万元 lying above the
    ceiling mean a 单位：万元 note over figures in 元 (10,000 times too large). Either refuses the file,
    saying how to state the unit (单位：元 lets genuinely small loans through)."""

    def __init__(self, bounds: dict, units: dict, unstated: set, labels: dict):
        self.floors = {f: Decimal(lo) for f, (lo, _) in bounds.items() if f in unstated}
        self.ceilings = {f: Decimal(hi) for f, (_, hi) in bounds.items() if units.get(f) == WAN}
        self.labels = labels
        fields = set(self.floors) | set(self.ceilings)
        self.outside = dict.fromkeys(fields, 0)
        self.counted = dict.fromkeys(fields, 0)
        self.example: dict = {}

    def add(self, row_no: int, raw: dict) -> None:
        for f in self.counted:
            try:
                d = decimal_of(raw.get(f))
            except ValueError:
                continue  # the row's own refusal says what is wrong
            if d is None or d <= 0:
                continue
            self.counted[f] += 1
            if (f in self.floors and d < self.floors[f]) or (f in self.ceilings and d * TEN_THOUSAND >= self.ceilings[f]):
                self.outside[f] += 1
                self.example.setdefault(f, (row_no, raw.get(f)))

    def check(self) -> None:
        """Raises UnusableFile when most figures of a column lie outside its plausible range."""
        for f, counted in self.counted.items():
            if not counted or self.outside[f] * 2 <= counted:
                continue
            label = self.labels.get(f, f)
            row_no, value = self.example[f]
            if f in self.floors:
                raise UnusableFile(
                    f"{label}：{counted}行中有{self.outside[f]}行不足 {fmt_yuan(self.floors[f])} 元（如第{row_no}行“{text(value)}”），"
                    f"而表中没有写明金额单位，像是按万元填写的。若是万元，请在表头写作“{label}（万元）”或在表头上方写"
                    f"“单位：万元”；若确实是元，请在表头上方写“单位：元”后重新导入"
                )
            raise UnusableFile(
                f"{label}：按万元读取，{counted}行中有{self.outside[f]}行达到 {fmt_wan(self.ceilings[f])} 万元以上（如第{row_no}行"
                f"“{text(value)}”即 {fmt_yuan(decimal_of(value) * TEN_THOUSAND)} 元），像是按元填写却注明了万元：若金额是元，"
                f"请把表头或表头上方的单位改为“元”后重新导入"
            )


def _rounded_equal(total: Decimal, stated: Decimal) -> bool:
    places = max(0, -stated.as_tuple().exponent)
    return total.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == stated


__all__ = ["Totals", "UnitCheck", "footer_row", "column_numbers_row", "to_yuan", "total_word", "decimal_of", "YUAN", "WAN"]
