"""Cross-app tests use the same cast as the apps' own tests (npl/conftest.py).

A star import leaves out underscored names, so the session-wide fixtures are named as well: without them
tests/ would hash passwords with Argon2 and write uploads into the developer's var/.
"""
from npl.conftest import *  # noqa: F401,F403
from npl.conftest import _fast_password_hashing, _primary_only, _private_files  # noqa: F401
