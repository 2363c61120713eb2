"""ID numbers and phones at rest: Fernet encryption, and an HMAC-SHA256 keyed hash for matching."""
import functools
import hashlib
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
    return hmac.new(settings.NPL_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
