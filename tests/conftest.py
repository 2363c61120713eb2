"""Cross-app tests use the same cast as the apps' own tests (npl/conftest.py)."""
from npl.conftest import *  # noqa: F401,F403
