"""Drop the LIKE-prefix indexes beside columns matched only whole (npl.core.pattern_indexes says why)."""
from django.db import migrations

from npl.core.pattern_indexes import drop_like_indexes


class Migration(migrations.Migration):

    dependencies = [("collection", "0009_broken_promise_index_by_id")]

    operations = [drop_like_indexes(("collection.Repayment", "txn_no"))]
