"""core.bulk.registered_at: the demo dates its new rows of one model at a chosen moment as they are inserted."""
import datetime as dt

import pytest
from django.utils import timezone

from npl.core import bulk
from npl.core.models import AuditLog, Setting

pytestmark = pytest.mark.django_db

MOMENT = timezone.make_aware(dt.datetime(2024, 11, 7, 9, 0))


def test_inside_the_block_the_models_new_rows_carry_the_moment_and_others_now():
    before = timezone.now()
    with bulk.registered_at(AuditLog, MOMENT):
        bulk.insert_dicts(AuditLog, [{"action": "view_id", "object_type": "borrower", "object_id": "1"}])
        bulk.insert_objects([AuditLog(action="view_id", object_type="borrower", object_id="2")])
        bulk.insert_dicts(Setting, [{"key": "demo_probe", "value": "1"}])  # another model: stamped now
    assert list(AuditLog.objects.order_by("object_id").values_list("at", flat=True)) == [MOMENT, MOMENT]
    assert Setting.objects.get(key="demo_probe").updated_at >= before


def test_after_the_block_new_rows_are_stamped_now_again():
    with bulk.registered_at(AuditLog, MOMENT):
        pass
    before = timezone.now()
    bulk.insert_dicts(AuditLog, [{"action": "view_id", "object_type": "borrower", "object_id": "3"}])
    assert AuditLog.objects.get(object_id="3").at >= before
