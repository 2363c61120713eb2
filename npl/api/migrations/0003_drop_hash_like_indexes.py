"""Drop the LIKE-prefix indexes beside columns matched only whole (npl.core.pattern_indexes says why)."""
from django.db import migrations

from npl.core.pattern_indexes import drop_like_indexes


class Migration(migrations.Migration):

    dependencies = [("api", "0002_role_choices")]

    operations = [drop_like_indexes(("api.ApiToken", "key_hash"))]
