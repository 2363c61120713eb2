"""Secrets that are not given in the environment are generated once into NPL_DATA_DIR (owner-only)."""
import base64
import os
import secrets
from pathlib import Path


def load_or_create(data_dir: Path, name: str, factory) -> str:
    """Read DATA_DIR/name, or write factory() there with 0600 permissions the first time."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    value = factory()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def new_hash_key() -> str:
    return secrets.token_hex(32)
