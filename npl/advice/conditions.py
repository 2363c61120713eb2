"""Rule conditions: a small JSON vocabulary of predicates over named facts, validated and evaluated safely.

A condition is a predicate or a combination of them (never code; nothing is eval'd):
    {"fact": "days_to_limitation", "op": "<=", "value": 90}
    {"all": [c1, c2, ...]}   {"any": [c1, c2, ...]}   {"not": c}
Facts are the names in choices.FACTS (and `since_<category>` dates); each fact's kind decides which
operators it takes (choices.OPS_BY_KIND). A fact that is not known for a loan (None) makes any
comparison on it false, except `is_set` with value false. docs/advice.md lists the facts.
"""
from __future__ import annotations

import datetime as dt
import operator
from decimal import Decimal, InvalidOperation

from npl.advice.choices import BOOL, DATE, FACTS, INT, MONEY, OPS, OPS_BY_KIND, SET, SINCE_PREFIX, TEXT
from npl.categories.choices import NAMES as CATEGORY_NAMES
from npl.collection.clocks.rules import STATUS_LABELS
from npl.core.money import fmt_yuan
from npl.litigation.choices import Listing, Stage
from npl.loans.choices import LoanStatus

MAX_DEPTH = 6
VALUE_LABELS = {
    "loan_status": dict(LoanStatus.choices),
    "limitation_status": STATUS_LABELS,
    "enforcement_status": STATUS_LABELS,
    "guarantee_status": STATUS_LABELS,
    "litigation_stage": dict(Stage.choices),
    "dishonest_listing": {"": "未申请", **dict(Listing.choices)},
}


def fact_spec(name: str) -> tuple[str, str, tuple | None] | None:
    """(kind, label, allowed values) of a fact name, or None when there is no such fact."""
    if name in FACTS:
        return FACTS[name]
    if name.startswith(SINCE_PREFIX) and name[len(SINCE_PREFIX):] in CATEGORY_NAMES:
        return (DATE, f"列入“{CATEGORY_NAMES[name[len(SINCE_PREFIX):]]}”日期", None)
    return None


def show(name: str, value) -> str:
    """A fact's value as a person reads it: 万元 stays out (exact 元), dates ISO, categories by name."""
    if value is None:
        return "未登记"
    kind = fact_spec(name)[0] if fact_spec(name) else TEXT
    if kind == MONEY:
        return f"{fmt_yuan(Decimal(value))}元"
    if kind == BOOL:
        return "是" if value else "否"
    if kind == INT:
        return f"{value}天" if name.startswith("days_") else str(value)
    if kind == DATE:
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if kind == SET:
        # In DOMAIN order, never the set's own: its order follows the process's string hashing, so the same
        # suggestion would read differently from one process to the next (and differ from its stored row).
        order = {code: i for i, code in enumerate(CATEGORY_NAMES)}
        names = [CATEGORY_NAMES.get(v, v) for v in sorted(value, key=lambda c: (order.get(c, len(order)), str(c)))]
        return "、".join(names) if names else "无"
    if isinstance(value, (list, tuple)):
        return "、".join(show(name, v) for v in value)
    return VALUE_LABELS.get(name, {}).get(value, str(value))


def _check_value(name: str, kind: str, allowed, op: str, value, where: str) -> list[str]:
    label = fact_spec(name)[1]
    if op == "is_set" or kind == BOOL:
        return [] if isinstance(value, bool) else [f"{where}：“{label}”的取值须为 true 或 false"]
    if kind in (INT,):
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}：“{label}”须与整数比较（天数或个数）"]
    if kind == MONEY:
        try:
            Decimal(str(value))
        except (InvalidOperation, ValueError):
            return [f"{where}：“{label}”须与金额（元）比较，如 1000000 或 \"1000000.00\""]
        return [] if not isinstance(value, bool) else [f"{where}：“{label}”须与金额（元）比较"]
    if kind == SET:
        values = value if op == "has_any" else [value]
        if op == "has_any" and (not isinstance(value, list) or not value):
            return [f"{where}：“包含任一”须给出类别代码列表"]
        bad = [v for v in values if v not in CATEGORY_NAMES]
        return [f"{where}：未知类别代码 {'、'.join(map(str, bad))}"] if bad else []
    if kind == TEXT:
        values = value if op == "in" else [value]
        if op == "in" and (not isinstance(value, list) or not value):
            return [f"{where}：“属于”须给出取值列表"]
        bad = [v for v in values if not isinstance(v, str) or (allowed is not None and v not in allowed)]
        if bad:
            return [f"{where}：“{label}”没有取值 {'、'.join(map(str, bad))}（可选：{'、'.join(a or '空' for a in allowed)}）"]
    return []


def validate(cond, where: str = "条件", depth: int = 0) -> list[str]:
    """Every problem of a condition, in Chinese, naming where it is (条件.all[2] …); [] when it is usable."""
    if depth > MAX_DEPTH:
        return [f"{where}：嵌套超过{MAX_DEPTH}层"]
    if not isinstance(cond, dict):
        return [f"{where}：须为一个对象（{{\"fact\":…}} 或 {{\"all\"/\"any\":[…]}} 或 {{\"not\":…}}）"]
    keys = set(cond)
    if keys in ({"all"}, {"any"}):
        key = next(iter(keys))
        items = cond[key]
        if not isinstance(items, list) or not items:
            return [f"{where}.{key}：须为非空列表"]
        return [e for i, c in enumerate(items) for e in validate(c, f"{where}.{key}[{i}]", depth + 1)]
    if keys == {"not"}:
        return validate(cond["not"], f"{where}.not", depth + 1)
    if keys != {"fact", "op", "value"}:
        return [f"{where}：须恰好含 fact、op、value 三项（现有：{'、'.join(sorted(map(str, keys))) or '无'}）"]
    name, op, value = cond["fact"], cond["op"], cond["value"]
    spec = fact_spec(name) if isinstance(name, str) else None
    if spec is None:
        return [f"{where}：未知事实“{name}”"]
    kind, label, allowed = spec
    if op not in OPS:
        return [f"{where}：未知运算“{op}”（可用：{' '.join(OPS)}）"]
    if op not in OPS_BY_KIND[kind]:
        usable = " ".join(o for o in OPS if o in OPS_BY_KIND[kind])
        return [f"{where}：“{label}”不能用运算“{op}”（可用：{usable}）"]
    return _check_value(name, kind, allowed, op, value, where)


def facts_named(cond) -> list[str]:
    """The fact names a (valid) condition reads, in order, once each."""
    out: list[str] = []

    def walk(c):
        if "fact" in c:
            if c["fact"] not in out:
                out.append(c["fact"])
        for key in ("all", "any"):
            for sub in c.get(key, ()):
                walk(sub)
        if "not" in c:
            walk(c["not"])

    walk(cond)
    return out


_ORDERED = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _compare(kind: str, actual, op: str, value) -> bool:
    if op == "is_set":
        return (actual is not None and actual != "") == value
    if actual is None:
        return False
    if kind == SET:
        if op == "has":
            return value in actual
        if op == "lacks":
            return value not in actual
        return any(v in actual for v in value)
    if kind == MONEY:
        actual, value = Decimal(actual), Decimal(str(value))
    if op == "in":
        return actual in value
    if op == "==":
        return actual == value
    if op == "!=":
        return actual != value
    return kind != TEXT and _ORDERED[op](actual, value)


def compile_condition(cond):
    """A (valid) condition as a function get → whether it holds: the same answer as `evaluate(cond, get)[0]`,
    without the reasons. The engine asks it first for every rule of every loan (most rules do not fire) and
    builds the reasons only for those that do: a rebuild evaluates about 40 rules a loan."""
    if "all" in cond:
        parts = tuple(compile_condition(c) for c in cond["all"])
        return lambda get: all(p(get) for p in parts)
    if "any" in cond:
        parts = tuple(compile_condition(c) for c in cond["any"])
        return lambda get: any(p(get) for p in parts)
    if "not" in cond:
        inner = compile_condition(cond["not"])
        return lambda get: not inner(get)
    name, op, value = cond["fact"], cond["op"], cond["value"]
    kind = fact_spec(name)[0]
    if kind == MONEY and op != "is_set":  # the threshold made a Decimal once, the fact on each call (as _compare)
        value = Decimal(str(value))
        return lambda get: _compare(INT, _decimal(get(name)), op, value)
    return lambda get: _compare(kind, get(name), op, value)


def _decimal(actual):
    return None if actual is None else Decimal(actual)


def _phrase(name: str, op: str, value, actual) -> str:
    """One fired predicate in Chinese: the fact, its value on the day, and the rule's threshold."""
    label = fact_spec(name)[1]
    if fact_spec(name)[0] == SET:
        wanted = value if isinstance(value, list) else [value]
        if op == "lacks":
            return f"不属于“{show(name, wanted)}”"
        return f"属于“{show(name, [v for v in wanted if v in actual])}”"
    if op == "is_set":
        return f"{label}{'为' + show(name, actual) if value else '未登记'}"
    if fact_spec(name)[0] == BOOL:
        return label if actual else f"非{label}"
    if op in ("==", "in"):
        return f"{label}为{show(name, actual)}"
    return f"{label}为{show(name, actual)}（{OPS[op]}{show(name, value)}）"


def evaluate(cond, get) -> tuple[bool, list[str]]:
    """(holds, why): why names each fact that made the condition hold, with its value; get(name) reads a fact."""
    if "all" in cond:
        why = []
        for c in cond["all"]:
            ok, sub = evaluate(c, get)
            if not ok:
                return False, []
            why.extend(sub)
        return True, why
    if "any" in cond:
        why, hit = [], False
        for c in cond["any"]:
            ok, sub = evaluate(c, get)
            if ok:
                hit = True
                why.extend(sub)
        return hit, why if hit else []
    if "not" in cond:
        ok, _ = evaluate(cond["not"], get)
        if ok:
            return False, []
        inner = cond["not"]
        if "fact" in inner and fact_spec(inner["fact"])[0] == SET and inner["op"] == "has":
            return True, [f"不属于“{show(inner['fact'], [inner['value']])}”"]
        return True, [f"{fact_spec(n)[1]}为{show(n, get(n))}" for n in facts_named(inner)]
    name, op, value = cond["fact"], cond["op"], cond["value"]
    actual = get(name)
    if _compare(fact_spec(name)[0], actual, op, value):
        return True, [_phrase(name, op, value, actual)]
    return False, []
