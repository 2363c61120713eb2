"""`npl import roster KIND`: government rosters, borrower-level, dated; the latest import is current."""
from django.db.models import Q

from npl.categories.choices import ROSTER_KINDS
from npl.categories.models import RosterEntry, RosterPerson
from npl.core import crypto, derived, idnumber
from npl.core.bulk import insert_dicts, update_objects, values_by
from npl.intake import normalize as n
from npl.intake.headers import Column
from npl.intake.importers.base import Importer
from npl.intake.readers import UnusableFile
from npl.loans.models import Borrower, Loan
from npl.org.models import District, district_names

DETAIL_COLUMNS = [
    Column("work_unit", "工作单位"),
    Column("death_date", "死亡日期"),
    Column("release_date", "刑满释放日期"),
    Column("actual_residence", "实际居住地"),
    Column("moved_to", "迁入地"),
    Column("note", "备注"),
]
DETAIL_DATES = {"death_date": "死亡日期", "release_date": "刑满释放日期"}


class RosterImporter(Importer):
    """People on a roster kind; people dropped from it leave the category from this roster's day."""

    kind = "roster"
    key_fields = ("id_number",)
    stored_in = {"name": (RosterEntry, "name")}
    columns = [
        Column("name", "姓名", (), True),
        Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "证件号码"), True),
        *DETAIL_COLUMNS,
    ]

    def __init__(self, ctx):
        super().__init__(ctx)
        if ctx.district is not None and ctx.township is not None and ctx.township.district_id != ctx.district.pk:
            raise UnusableFile(f"乡镇“{ctx.township.name}”不属于{ctx.district.name}")
        # Issue 18: a roster is one district's (the named one, the township's, or the only one): its entries put only
        # that district's borrowers' loans in categories, and its re-import ends only that district's entries.
        self.district = ctx.district or (ctx.township.district if ctx.township is not None else None) or District.single()
        if self.district is None:
            raise UnusableFile(f"本系统有多个区（{district_names()}）：请指定名单所属的区（命令行 --district 区名），"
                               "名单只用于该区借款人的分类")
        # Entries without a district (written before districts) are the only district's when there is one.
        only = District.only()
        self.own_districts = {self.district.pk} | ({None} if only is not None and only.pk == self.district.pk else set())
        self.written_hashes: set[str] = set()

    def parse(self, raw):
        details = {}
        for col in DETAIL_COLUMNS:
            value = raw.get(col.field)
            if n.is_blank(value):
                continue
            if col.field in DETAIL_DATES:
                details[col.field] = n.date(value, col.label).isoformat()
            else:
                details[col.field] = n.text(value)
        return {"id_number": n.id_number(raw["id_number"]), "name": n.name(raw["name"]), "details": details}

    def raw_key(self, raw):
        # A refused roster row is named by its masked ID: the full number never goes into a report.
        s = n.text(raw.get("id_number")).replace(" ", "")
        return idnumber.mask(s) if s else None

    @classmethod
    def key_label(cls, key):
        """People read the masked ID; the hash suffix only keeps two people with one mask apart."""
        return str(key).split("#", 1)[0] if key else key

    def key_of(self, values):
        # Masked for the report; the hash suffix keeps two people with the same mask apart.
        return idnumber.mask(values["id_number"]) + "#" + crypto.keyed_hash(values["id_number"])[:12]

    def _open_entries(self):
        """The open entries this roster replaces: its kind, its district's (never another district's), its scope."""
        qs = RosterEntry.objects.filter(kind=self.ctx.sub_kind, valid_to__isnull=True)
        mine = Q(district_id=self.district.pk) | (Q(district__isnull=True) if None in self.own_districts else Q(pk__in=[]))
        qs = qs.filter(mine)
        return qs.filter(township=self.ctx.township) if self.ctx.township else qs.filter(township__isnull=True)

    def write(self, rows):
        ctx = self.ctx
        hashes = {}
        for row in rows:
            hashes[crypto.keyed_hash(row.values["id_number"])] = row
        # People by hash as their ids (plain SQL in and out, core.bulk: model instances and bulk_create were a third
        # of a roster import's write).
        people = values_by(RosterPerson, "id_hash", list(hashes), "id")
        new_people = []
        for h, row in hashes.items():
            if h not in people:
                number = row.values["id_number"]
                new_people.append({"id_hash": h, "id_cipher": crypto.encrypt(number), "id_masked": idnumber.mask(number),
                                   "name": row.values["name"]})
        if new_people:
            insert_dicts(RosterPerson, new_people)
            people.update(values_by(RosterPerson, "id_hash", [p["id_hash"] for p in new_people], "id"))
        # The chunk's people's open entries by person id (the foreign key's index), this roster's kind and scope
        # picked in Python: filtering by kind in SQL made SQLite walk the kind's index, every open entry of the
        # kind for each chunk, which this import itself keeps adding to (quadratic in the roster's size).
        township_id = ctx.township.pk if ctx.township is not None else None
        open_entries = {
            e.person_id: e
            for e in RosterEntry.objects.filter(person_id__in=list(people.values()), valid_to__isnull=True)
            if e.kind == ctx.sub_kind and e.township_id == township_id and e.district_id in self.own_districts
        }
        borrowers = dict(Borrower.objects.filter(id_hash__in=list(hashes)).values_list("id_hash", "name"))
        new_entries, ended = [], []
        batch_id = ctx.batch.pk if ctx.batch is not None else None
        self.written_hashes.update(hashes)
        for h, row in hashes.items():
            person_id = people[h]
            row.ref = person_id
            v = row.values
            if h in borrowers and borrowers[h] != v["name"]:
                ctx.warn(row, f"身份证号相同但姓名不同：名单为“{v['name']}”，借款人为“{borrowers[h]}”（已按身份证号匹配）")
            entry = open_entries.get(person_id)
            if entry is not None and entry.valid_from > ctx.as_of:
                # A roster older than the one in force: history stays; nothing to do for this person.
                row.outcome = "unchanged"
                continue
            if entry is not None and entry.name == v["name"] and entry.details == v["details"]:
                row.outcome = "unchanged"
                continue
            if entry is not None:
                entry.valid_to, entry.ended_by = ctx.as_of, ctx.batch
                ended.append(entry)
                row.outcome = "updated"
            else:
                row.outcome = "created"
            new_entries.append({"kind": ctx.sub_kind, "person_id": person_id, "district_id": self.district.pk,
                                "township_id": township_id, "name": v["name"],
                                "details": v["details"], "valid_from": ctx.as_of, "batch_id": batch_id})
        update_objects(RosterEntry, ended, ["valid_to", "ended_by"])
        insert_dicts(RosterEntry, new_entries)

    def finish(self, written_keys):
        """People on the roster in force but absent from this file leave it from this file's day."""
        ctx = self.ctx
        gone = []
        for entry in self._open_entries().filter(valid_from__lte=ctx.as_of).select_related("person").exclude(batch=ctx.batch):
            if entry.person.id_hash not in self.written_hashes:
                entry.valid_to, entry.ended_by = ctx.as_of, ctx.batch
                gone.append(entry)
        if gone:
            update_objects(RosterEntry, gone, ["valid_to", "ended_by"])


    def refresh_derived(self):
        """A roster changes no loan, but the categories of the borrowers it starts or ends: their loans."""
        batch = self.ctx.batch
        people = RosterEntry.objects.filter(Q(batch=batch) | Q(ended_by=batch)).values("person__id_hash")
        loans = Loan.objects.filter(borrower__id_hash__in=people).values_list("pk", flat=True)
        derived.refresh(set(loans), source="roster")

def roster_label(kind: str) -> str:
    return ROSTER_KINDS[kind]

