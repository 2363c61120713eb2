import json

import pytest
from django.core.management import call_command

from npl import testing


@pytest.fixture
def ids():
    """A supply of valid, distinct ID numbers."""
    return [testing.valid_id(i) for i in range(1, 200)]


@pytest.fixture
def npl_import(db, capsys):
    """Run `npl import … --json` in-process; return (exit code, report)."""

    def run(*args):
        code = 0
        try:
            call_command("import", *[str(a) for a in args], "--json")
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        report = json.loads(out.out) if out.out.strip() else None
        return code, report, out.err

    return run
