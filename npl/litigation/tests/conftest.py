"""The LA002 case of the shared fixtures (bank sued 李四, filed 2026-02-10) and helpers to move it."""
import datetime as dt

import pytest

from npl.litigation import services
from npl.litigation.models import LitigationCase


@pytest.fixture
def case(loans):
    return LitigationCase.objects.get(loan=loans["LA002"])


@pytest.fixture
def court(cast):
    return cast["court_liaison"]


@pytest.fixture
def move(court):
    """move(case, "accepted", date) as the court liaison; returns the fresh case."""

    def run(case, *steps):
        for stage, on in steps:
            services.advance_stage(case, court, stage=stage, on=on)
        case.refresh_from_db()
        return case

    return run


@pytest.fixture
def enforcing(case, move, court):
    """The LA002 case judged (300,000 元) and in enforcement since 2026-05-06."""
    move(case, ("accepted", dt.date(2026, 2, 20)), ("trial", dt.date(2026, 3, 20)), ("judged", dt.date(2026, 4, 1)),
         ("effective", dt.date(2026, 4, 20)), ("enforcement_applied", dt.date(2026, 5, 1)))
    services.advance_stage(case, court, stage="enforcing", on=dt.date(2026, 5, 6), enforcement_case_no="（2026）陕0523执55号")
    case.refresh_from_db()
    return case

