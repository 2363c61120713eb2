"""The generation log is evidence: rows are never changed or deleted."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from npl.documents import services
from npl.documents.models import GeneratedDocument


def test_a_log_row_cannot_be_changed_or_deleted(loans, cast):
    row = services.generate("notice", [loans["LA001"]], "docx", cast["collector"], as_of=dt.date(2026, 4, 30)).record
    row.scope = "改过"
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
    assert GeneratedDocument.objects.get().scope == "LA001"


def test_people_read_their_own_generations_and_the_district_reads_all(loans, cast):
    day = dt.date(2026, 4, 30)
    services.generate("notice", [loans["LA001"]], "docx", cast["collector"], as_of=day)
    services.generate("notice", [loans["LA002"]], "docx", cast["branch_staff"], as_of=day)
    assert [r.scope for r in services.log_for(cast["collector"])] == ["LA001"]
    assert sorted(r.scope for r in services.log_for(cast["district_admin"])) == ["LA001", "LA002"]
