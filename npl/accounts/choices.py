from django.db import models


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", "区金融办"
    DISTRICT_LEADER = "district_leader", "区领导/专班"
    TOWNSHIP_ADMIN = "township_admin", "乡镇管理员"
    COLLECTOR = "collector", "清收人员"
    BRANCH_STAFF = "branch_staff", "农合行网点"
    COURT_LIAISON = "court_liaison", "区法院"
    POLICE_LIAISON = "police_liaison", "区公安局"
    DISCIPLINE_LIAISON = "discipline_liaison", "区纪委监委"
    CITY_FINANCE = "city_finance", "市金融办"
    PROVINCE_FINANCE = "province_finance", "省金融办"


DISTRICT_WIDE = {Role.DISTRICT_ADMIN, Role.DISTRICT_LEADER}
# Roles bound to a district of their own (User.district); township and branch roles take theirs from their unit.
DISTRICT_TIER = DISTRICT_WIDE | {Role.COURT_LIAISON, Role.POLICE_LIAISON, Role.DISCIPLINE_LIAISON}
BOUND_TO_TOWNSHIP = {Role.TOWNSHIP_ADMIN, Role.COLLECTOR}
# Read-mostly roles above the districts (User.region): they see their districts' loans and roll-ups, change nothing.
REGION_ROLES = {Role.CITY_FINANCE, Role.PROVINCE_FINANCE}
# Roles allowed to see full ID numbers and phones (after a deliberate, logged click).
MAY_UNMASK = {Role.DISTRICT_ADMIN, Role.TOWNSHIP_ADMIN, Role.COLLECTOR, Role.BRANCH_STAFF, Role.COURT_LIAISON, Role.POLICE_LIAISON}
