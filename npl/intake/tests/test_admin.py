"""Import batches in the admin are evidence: a superuser sees them, and nobody adds, changes or deletes one there."""
import pytest
from django.test import Client

from npl.intake.models import ImportBatch


@pytest.fixture
def superuser_client(db, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.cn", "pw-not-used")
    client = Client()
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_superuser_sees_a_batch_but_may_not_add_change_or_delete_it(superuser_client, cast):
    batch = ImportBatch.objects.create(kind="loans", file_name="贷款.xlsx", sha256="0" * 64, user=cast["district_admin"])
    base = "/admin/intake/importbatch/"

    assert "贷款.xlsx" in superuser_client.get(base).content.decode()
    page = superuser_client.get(f"{base}{batch.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert superuser_client.get(f"{base}add/").status_code == 403
    assert superuser_client.post(f"{base}{batch.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ImportBatch.objects.filter(pk=batch.pk).exists()
