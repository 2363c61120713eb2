"""Drop the LIKE-prefix indexes beside columns matched only whole (npl.core.pattern_indexes says why)."""
from django.db import migrations

from npl.core.pattern_indexes import drop_like_indexes


class Migration(migrations.Migration):

    dependencies = [("intake", "0003_row_digest")]

    operations = [drop_like_indexes(("intake.RowDigest", "digest"), ("intake.ImportBatch", "sha256"))]
