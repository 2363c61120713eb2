"""Column mappings: which column of a file each field is read from, chosen by a person when a file's
header is ambiguous or unknown (upload preview, `npl import --map/--mapping`), saved by name and offered
next time."""
import re

from django.core.exceptions import ValidationError
from django.db import transaction

from npl.intake.headers import resolve_overrides
from npl.intake.models import ColumnMapping
from npl.intake.readers import UnusableFile


def columns_of(kind: str):
    """The importer columns of a kind (every sub-kind of a roster or loan list shares them)."""
    from npl.intake import xlsx  # lazy: xlsx imports the importers' registry too

    return xlsx._importer(kind).columns


def parse_map_options(values: list[str] | None) -> dict:
    """`--map 字段=列名` (repeatable) as {字段: 列名}; a malformed one is refused (exit 2)."""
    out = {}
    for item in values or []:
        m = re.fullmatch(r"\s*([^=＝]+?)\s*[=＝]\s*(.+?)\s*", item)
        if m is None:
            raise UnusableFile(f"--map 的写法应为 字段=列名（如 --map 贷款余额=本金余额），收到“{item}”")
        out[m.group(1)] = m.group(2)
    return out


def named(kind: str, name: str, user=None) -> ColumnMapping:
    """The saved mapping `name` for `kind` (within the person's reach when one is given); UnusableFile if none."""
    qs = ColumnMapping.objects.filter(kind=kind)
    if user is not None:
        qs = qs.for_user(user)
    mapping = qs.filter(name=name).first()
    if mapping is None:
        known = "、".join(qs.values_list("name", flat=True)) or "无"
        raise UnusableFile(f"找不到名为“{name}”的列映射（{kind}）；已保存的：{known}")
    return mapping


def combined(kind: str, *, name: str | None = None, pairs: dict | None = None, user=None) -> dict:
    """A saved mapping (by name) with `--map` pairs over it, as {字段: 列名}."""
    columns = dict(named(kind, name, user).columns) if name else {}
    columns.update(pairs or {})
    resolve_overrides(columns_of(kind), columns)  # refuse an unknown field now, before any file is read
    return columns


@transaction.atomic
def save_mapping(user, kind: str, name: str, columns: dict, *, source: str = "") -> ColumnMapping:
    """Save (or replace) the named mapping of `kind` for the person's branch; fields checked against the kind."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["请填写列映射的名称"]})
    try:
        resolved = resolve_overrides(columns_of(kind), columns)
    except UnusableFile as exc:
        raise ValidationError({"columns": [str(exc)]}) from exc
    existing = ColumnMapping.objects.filter(kind=kind, name=name).first()
    if existing is not None and not ColumnMapping.objects.for_user(user).filter(pk=existing.pk).exists():
        raise ValidationError({"name": [f"名称“{name}”已被其他网点使用，请换一个名称"]})
    mapping = existing or ColumnMapping(kind=kind, name=name, created_by=user)
    mapping.columns = resolved
    mapping.source = source[:100]
    mapping.branch_id = mapping.branch_id or getattr(user, "branch_id", None)
    mapping.save()
    return mapping


def offered(user, kind: str):
    """The saved mappings a person may pick for a kind."""
    return ColumnMapping.objects.for_user(user).filter(kind=kind)



def file_columns(batch) -> tuple[int | None, list[str]]:
    """The file's header row number and its column names as written (for the mapping form): from the
    batch's report or its header failure, without reading the file again (a page view must stay cheap)."""
    report = batch.report or {}
    if report.get("columns") is not None:
        return report.get("header_row"), [*report["columns"].values(), *(report.get("unknown_columns") or [])]
    stored = (batch.options or {}).get("file_columns")
    if stored:
        return stored[0], list(stored[1])
    return None, []


__all__ = ["parse_map_options", "named", "combined", "save_mapping", "offered", "file_columns", "columns_of"]
