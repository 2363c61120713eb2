"""The category tests' builders serve the campaign tests too."""
from npl.categories.tests.conftest import bank, make_loan, other_town, town  # noqa: F401
