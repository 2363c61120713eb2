"""ID numbers and phones at rest: encrypted with the Fernet key, matched by a keyed hash."""
import base64

import pytest
from cryptography.fernet import InvalidToken

from npl.core import crypto
from npl.core.keys import new_fernet_key, new_hash_key

NUMBER = "610431198410315096"


def test_what_is_encrypted_decrypts_to_the_same_text():
    assert crypto.decrypt(crypto.encrypt(NUMBER)) == NUMBER
    assert crypto.decrypt(crypto.encrypt("13812345678")) == "13812345678"


def test_the_ciphertext_does_not_contain_the_plain_text_even_decoded():
    token = crypto.encrypt(NUMBER)
    assert NUMBER not in token
    assert NUMBER.encode() not in base64.urlsafe_b64decode(token)


def test_encrypting_twice_gives_different_ciphertexts():
    # Fernet uses a fresh IV each time: equal IDs cannot be spotted by equal ciphertexts (matching uses the hash).
    assert crypto.encrypt(NUMBER) != crypto.encrypt(NUMBER)


def test_empty_values_stay_empty():
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("") == ""


def test_a_ciphertext_from_another_key_does_not_decrypt(settings):
    token = crypto.encrypt(NUMBER)
    settings.NPL_FERNET_KEY = new_fernet_key()
    with pytest.raises(InvalidToken):
        crypto.decrypt(token)


def test_the_keyed_hash_is_deterministic():
    assert crypto.keyed_hash(NUMBER) == crypto.keyed_hash(NUMBER)
    assert len(crypto.keyed_hash(NUMBER)) == 64


def test_the_keyed_hash_differs_between_numbers():
    assert crypto.keyed_hash(NUMBER) != crypto.keyed_hash("11010519491231002X")


def test_the_keyed_hash_depends_on_the_key(settings):
    before = crypto.keyed_hash(NUMBER)
    settings.NPL_HASH_KEY = new_hash_key()
    assert crypto.keyed_hash(NUMBER) != before


def test_the_keyed_hash_is_not_a_plain_sha256_of_the_number():
    import hashlib

    assert crypto.keyed_hash(NUMBER) != hashlib.sha256(NUMBER.encode()).hexdigest()
    assert NUMBER not in crypto.keyed_hash(NUMBER)


def test_the_keyed_hash_is_hmac_sha256_of_the_value_under_the_hash_key(settings):
    # Stored hashes match new ones only if the function never changes: it is HMAC-SHA256 in hex, as first written.
    import hashlib
    import hmac

    settings.NPL_HASH_KEY = "a-key-for-this-test"
    assert crypto.keyed_hash(NUMBER) == hmac.new(b"a-key-for-this-test", NUMBER.encode(), hashlib.sha256).hexdigest()
    settings.NPL_HASH_KEY = "another-key"
    assert crypto.keyed_hash(NUMBER) == hmac.new(b"another-key", NUMBER.encode(), hashlib.sha256).hexdigest()
