"""The API's fixtures for its own tests (tests/test_api_*.py import them from npl.api.tests.fixtures)."""
from npl.api.tests.fixtures import *  # noqa: F401,F403
