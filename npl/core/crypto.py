"""ID numbers and phones at rest: Fernet encryption, and an HMAC-SHA256 keyed hash for matching."""
import functools
import hmac

from cryptography.fernet import Fernet
from django.conf import settings


@functools.cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(plain: str) -> str:
    if plain in (None, ""):
        return ""
    return _fernet(settings.NPL_FERNET_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _fernet(settings.NPL_FERNET_KEY).decrypt(token.encode()).decode()


def keyed_hash(value: str) -> str:
    """Deterministic, keyed: the same ID always gives the same hash; without the key it reveals nothing."""
    # hmac.digest: OpenSSL's one-shot HMAC, the same value as hmac.new(...).hexdigest() without its objects.
    return hmac.digest(_key_bytes(settings.NPL_HASH_KEY), value.encode(), "sha256").hex()


@functools.cache
def _key_bytes(key: str) -> bytes:
    return key.encode()
