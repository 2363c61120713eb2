"""Secrets not given in the environment are generated once into the data directory, owner-only."""
import base64
import stat

from cryptography.fernet import Fernet

from npl.core.keys import load_or_create, new_fernet_key, new_hash_key, new_secret_key


def test_a_missing_key_is_generated_and_written_owner_only(tmp_path):
    value = load_or_create(tmp_path, "fernet_key", new_fernet_key)
    path = tmp_path / "fernet_key"
    assert path.read_text() == value
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_key_is_reused_not_replaced(tmp_path):
    first = load_or_create(tmp_path, "hash_key", new_hash_key)
    second = load_or_create(tmp_path, "hash_key", new_hash_key)
    assert first == second


def test_a_key_written_by_hand_is_read_without_its_newline(tmp_path):
    (tmp_path / "secret_key").write_text("given-by-the-operator\n")
    assert load_or_create(tmp_path, "secret_key", new_secret_key) == "given-by-the-operator"


def test_the_data_directory_is_created_when_missing(tmp_path):
    data_dir = tmp_path / "var" / "npl"
    load_or_create(data_dir, "secret_key", new_secret_key)
    assert (data_dir / "secret_key").exists()


def test_generated_keys_have_the_right_form_and_differ_each_time():
    fernet = new_fernet_key()
    assert len(base64.urlsafe_b64decode(fernet)) == 32
    Fernet(fernet)  # accepted by the library
    assert len(new_hash_key()) == 64
    assert len(new_secret_key()) >= 50
    assert new_fernet_key() != fernet and new_hash_key() != new_hash_key()


def test_the_running_settings_use_keys_from_the_data_directory_or_the_environment(settings):
    Fernet(settings.NPL_FERNET_KEY.encode())
    assert settings.NPL_HASH_KEY
    assert settings.SECRET_KEY
