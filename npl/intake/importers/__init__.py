"""One importer per kind (INTAKE.md 'Kinds')."""
from npl.categories.choices import LOAN_LIST_KINDS, ROSTER_KINDS
from npl.intake.importers.actions import ActionsImporter
from npl.intake.importers.litigation import LitigationImporter
from npl.intake.importers.loanlist import LoanListImporter
from npl.intake.importers.loans import LoansImporter
from npl.intake.importers.repayments import RepaymentsImporter
from npl.intake.importers.rosters import RosterImporter
from npl.intake.readers import UnusableFile

IMPORTERS = {
    "loans": LoansImporter,
    "roster": RosterImporter,
    "loan-list": LoanListImporter,
    "litigation": LitigationImporter,
    "repayments": RepaymentsImporter,
    "actions": ActionsImporter,
}
SUB_KINDS = {"roster": ROSTER_KINDS, "loan-list": LOAN_LIST_KINDS}


def importer_for(kind: str, sub_kind: str | None = None):
    """The importer class for a kind; a wrong kind or sub-kind is an unusable call (exit 2)."""
    if kind not in IMPORTERS:
        raise UnusableFile(f"未知的导入类型“{kind}”（可选：{'、'.join(IMPORTERS)}）")
    if kind in SUB_KINDS:
        allowed = SUB_KINDS[kind]
        if sub_kind not in allowed:
            raise UnusableFile(f"{kind} 需要指定类型（可选：{' '.join(allowed)}），收到“{sub_kind or ''}”")
    elif sub_kind:
        raise UnusableFile(f"{kind} 不需要子类型（收到“{sub_kind}”）")
    return IMPORTERS[kind]
