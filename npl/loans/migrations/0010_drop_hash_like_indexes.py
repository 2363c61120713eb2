"""Drop the LIKE-prefix indexes beside columns matched only whole (npl.core.pattern_indexes says why)."""
from django.db import migrations

from npl.core.pattern_indexes import drop_like_indexes


class Migration(migrations.Migration):

    dependencies = [("loans", "0009_covering_indexes")]

    operations = [drop_like_indexes(("loans.Borrower", "id_hash"), ("loans.Guarantor", "id_hash"))]
