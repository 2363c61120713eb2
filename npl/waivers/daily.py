"""The waivers' part of the daily sweep (npl/core/daily.py): after the collection's, since a plan broken today
voids the waiver that depends on it."""
from npl.core.daily import DailyJob


def _sweep(day):
    from npl.waivers.services import sweep_waivers

    done = sweep_waivers(day)
    return {"waivers_applied": done["applied"], "waivers_voided": done["voided"]}


JOB = DailyJob("waivers", 20, _sweep, (("waivers_applied", "减免生效"), ("waivers_voided", "减免作废")))
