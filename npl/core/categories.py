"""The nine special categories (DOMAIN.md), in the seed's order, with their subcategories: the district's
vocabulary, in core because apps below `categories` name them too (a loan's history, the loan list's filter);
`categories.choices` hands the same names on."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    short: str  # how the seed's sentences name it
    subcategories: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class Sub:
    code: str
    name: str


CATEGORIES = (
    Category("public_servant", "公职人员贷款", "公职人员"),
    Category(
        "impersonated_or_staff",
        "冒名及农合行职工贷款",
        "冒名及农合行职工",
        (Sub("impersonated", "冒名顶替"), Sub("bank_staff", "农合行职工")),
    ),
    Category(
        "special_household",
        "特殊户贷款",
        "特殊户",
        (Sub("dibao", "低保户"), Sub("disabled", "残疾人"), Sub("poverty", "脱贫人口"), Sub("emigrated", "已移民")),
    ),
    Category("deceased", "借款人已死亡贷款", "借款人已死亡"),
    Category("imprisoned", "借款人在服刑贷款", "借款人在服刑"),
    Category("lost_contact", "借款人无法联系贷款", "借款人无法联系"),
    Category("nominal_household", "空挂户贷款", "空挂户"),
    Category(
        "litigation",
        "涉诉贷款",
        "涉诉",
        (Sub("borrower_sued_bank", "本人起诉银行"), Sub("bank_sued_borrower", "银行起诉本人")),
    ),
    Category("large_mortgage", "大额抵押贷款", "大额抵押"),
)
BY_CODE = {c.code: c for c in CATEGORIES}
SUB_PARENT = {s.code: c.code for c in CATEGORIES for s in c.subcategories}
ALL_CODES = [c.code for c in CATEGORIES] + list(SUB_PARENT)
NAMES = {c.code: c.name for c in CATEGORIES} | {s.code: s.name for c in CATEGORIES for s in c.subcategories}

# Roster kinds (INTAKE.md `roster KIND`) → the category or subcategory they feed.
ROSTER_KINDS = {
    "public_servant": "公职人员名单",
    "dibao": "低保户名单",
    "disabled": "残疾人名单",
    "poverty": "脱贫人口名单",
    "emigrated": "已移民名单",
    "deceased": "死亡人员名单",
    "imprisoned": "服刑人员名单",
    "lost_contact": "失联人员名单",
    "nominal_household": "空挂户名单",
}
LOAN_LIST_KINDS = {"impersonated_or_staff": "冒名及农合行职工贷款清单"}
LOAN_LIST_TYPES = {
    "冒名顶替": "impersonated",
    "冒名": "impersonated",
    "农合行职工": "bank_staff",
    "职工借名": "bank_staff",
    "农合行职工借名": "bank_staff",
    "职工": "bank_staff",
}
