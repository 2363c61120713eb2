"""The nine categories' codes and names: they live in `npl.core.categories` (apps below this one name them too)."""
from npl.core.categories import (  # noqa: F401
    ALL_CODES,
    BY_CODE,
    CATEGORIES,
    LOAN_LIST_KINDS,
    LOAN_LIST_TYPES,
    NAMES,
    ROSTER_KINDS,
    SUB_PARENT,
    Category,
    Sub,
)
