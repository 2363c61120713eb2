"""One formatter for what a LoanEvent holds: its field and keys by their Chinese names, codes by their choice
labels, related rows by their (masked) names, amounts as money (2 places, thousands separators).

Events are written by many apps (imports, collection, plans, litigation, waivers…), each with its own keys;
the names and labels are looked up on every installed model's fields, so a new app's event reads in Chinese
without this file knowing it. The loan's own fields win, then the apps that write most events.
"""
import contextvars
import re
from decimal import Decimal, InvalidOperation
from functools import cache

from django.apps import apps
from django.db import models

from npl.core.categories import NAMES

_FIRST = ("loans.Loan", "collection.CollectionAction", "collection.Repayment", "collection.RepaymentPlan",
          "collection.PlanInstalment", "litigation.LitigationCase")
_NUMBER = re.compile(r"^-?\d+\.\d+$")
# Keys events write that are not a model field of the same name.
_KEY_LABELS = {"plan": "还款计划", "instalments": "期数", "total": "合计金额", "case": "涉诉案件", "action": "催收记录",
               "repayment": "还款", "instalment": "计划分期", "amount": "金额", "waived": "减免金额"}


def _ordered_models() -> list:
    first = [apps.get_model(label) for label in _FIRST if _has(label)]
    return first + [m for m in apps.get_models() if m not in first]


def _has(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


@cache
def _fields() -> dict:
    """Field name → the first model field of that name (loan first)."""
    out = {}
    for model in _ordered_models():
        for f in model._meta.get_fields():
            if getattr(f, "concrete", False) and not f.auto_created:
                out.setdefault(f.name, f)
    return out


@cache
def _all_choices() -> dict:
    """Every choice value of every model field → its label (the first found, loan first): the fallback for a
    code whose key names no field, or a field whose own choices do not hold it (a plan's `status`)."""
    out = {}
    for model in _ordered_models():
        for f in model._meta.get_fields():
            for value, label in getattr(f, "flatchoices", None) or ():
                if isinstance(value, str) and value:
                    out.setdefault(value, str(label))
    return out


def field_of(name: str):
    """The model field an event key names ('township_id' → Loan.township), or None."""
    base = name[:-3] if name.endswith("_id") else name
    return _fields().get(base)


def label(name: str) -> str:
    """Chinese name of an event's field or key; category codes by their category name; '' when unknown."""
    if name in NAMES:
        return NAMES[name]
    if name in _KEY_LABELS:
        return _KEY_LABELS[name]
    f = field_of(name)
    return str(f.verbose_name) if f is not None else ""


def money(value) -> str:
    """'993516.070000000' → '993,516.07'."""
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):,.2f}"


def value(name: str, raw) -> str:
    """A before/after value in words: choices by their label, related rows by their name, money as money."""
    if raw in (None, "", {}, []):
        return "—"
    if isinstance(raw, dict):
        return "；".join(f"{label(k) or k}：{value(k, v)}" for k, v in raw.items())
    if isinstance(raw, (list, tuple)):
        return "、".join(value(name, v) for v in raw)
    if isinstance(raw, bool):
        return "是" if raw else "否"
    f = field_of(name) if name else None
    if f is not None and f.is_relation and f.related_model is not None:
        found = _related(f.related_model, raw)
        if found is not None:
            return found
    if isinstance(raw, str) and raw in NAMES:
        return NAMES[raw]
    if f is not None and f.choices:
        found = dict(f.flatchoices).get(raw)
        if found is not None:
            return str(found)
    if isinstance(raw, str) and raw in _all_choices():
        return _all_choices()[raw]
    if isinstance(raw, Decimal) or (isinstance(raw, float)) or (isinstance(raw, str) and _NUMBER.match(raw)):
        if f is None or isinstance(f, models.DecimalField):
            try:
                return money(raw)
            except InvalidOperation:
                pass
    return str(raw)


def _related(model, raw) -> str | None:
    """The related row's name, or None when `raw` names none (then it is read as a code or a number)."""
    names = _names.get()
    if names is not None and (model, str(raw)) in names:  # fetched with the other events' (rows)
        return names[(model, str(raw))]
    if str(raw).isdigit():
        row = model.objects.filter(pk=raw).first()
        return str(row) if row is not None else str(raw)
    if hasattr(model, "USERNAME_FIELD"):  # imports name people by username; services by primary key
        row = model.objects.filter(**{model.USERNAME_FIELD: raw}).first()
        return str(row) if row is not None else str(raw)
    return None


# The related rows' names of the events being formatted, fetched together (rows): {(model, raw): name}.
_names: contextvars.ContextVar[dict | None] = contextvars.ContextVar("history_names", default=None)


def _references(name: str, raw, found: dict) -> None:
    """Collect the related values `value(name, raw)` would look up: {model: {raw as text}}."""
    if raw in (None, "", {}, []) or isinstance(raw, bool):
        return
    if isinstance(raw, dict):
        for k, v in raw.items():
            _references(k, v, found)
        return
    if isinstance(raw, (list, tuple)):
        for v in raw:
            _references(name, v, found)
        return
    f = field_of(name) if name else None
    if f is not None and f.is_relation and f.related_model is not None:
        found.setdefault(f.related_model, set()).add(str(raw))


def _known_names(rows) -> dict:
    """{(model, raw): name} for rows already read (whole rows: their names are what a query would give), by
    primary key and, for people, by username (imports name people by username, services by primary key)."""
    names = {}
    for row in rows:
        if row is None:
            continue
        model = row._meta.model  # request.user is a lazy object: its type is not the model
        names[(model, str(row.pk))] = str(row)
        key = getattr(model, "USERNAME_FIELD", None)
        if key:
            names[(model, str(getattr(row, key)))] = str(row)
    return names


def _fetch_names(events, known=()) -> dict:
    """One query per related model (and key) for every related value the events name, not one per value:
    the same answers as _related, a value naming no row read as itself. Values naming a row in `known` (read
    already: the events' actors, the rows the caller passes) need no query."""
    found: dict = {}
    for e in events:
        for raw in (e.before, e.after):
            if raw not in (None, ""):
                _references(e.field, raw, found)
    names = {}
    already = _known_names([*known, *(e.actor for e in events if e.actor_id and _actor_cached(e))])
    for model, raws in found.items():
        names.update({k: v for k, v in already.items() if k[0] is model and k[1] in raws})
        raws = {r for r in raws if (model, r) not in already}
        pks = {r for r in raws if r.isdigit()}
        if pks:
            by_pk = {row.pk: str(row) for row in model.objects.filter(pk__in=pks)}
            names.update({(model, r): by_pk.get(model._meta.pk.to_python(r), r) for r in pks})
        key = getattr(model, "USERNAME_FIELD", None)
        others = raws - pks
        if key and others:
            for row in model.objects.filter(**{f"{key}__in": others}):
                names[(model, str(getattr(row, key)))] = str(row)
            names.update({(model, r): r for r in others if (model, r) not in names})
    return names


def _actor_cached(event) -> bool:
    return event._meta.get_field("actor").is_cached(event)  # select_related("actor"): no query per event


def rows(events, known=()) -> list[dict]:
    """Each event with its field's name and its before/after in words, as the history timelines show them.
    known: rows the caller has read already (the loan page's people), used for the names events give."""
    events = list(events)
    token = _names.set(_fetch_names(events, known))
    try:
        return [
            {
                "event": e,
                # The field's name only where it says more than the kind (not 还款 · 还款).
                "field_label": "" if not e.field or label(e.field) in e.get_kind_display() else label(e.field),
                "before": None if e.before in (None, "") else value(e.field, e.before),
                "after": None if e.after in (None, "") else value(e.field, e.after),
            }
            for e in events
        ]
    finally:
        _names.reset(token)
