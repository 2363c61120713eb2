"""Drop the LIKE-prefix indexes beside columns matched only whole (npl.core.pattern_indexes says why)."""
from django.db import migrations

from npl.core.pattern_indexes import drop_like_indexes


class Migration(migrations.Migration):

    dependencies = [("litigation", "0002_listing_dates_and_recoveries")]

    operations = [drop_like_indexes(("litigation.EnforcementRecovery", "txn_no"))]
