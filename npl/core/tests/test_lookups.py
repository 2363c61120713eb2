"""`field__ids=[…]` (core.lookups): the same rows as `__in` for a list of ids, on a key, a foreign key, a one-to-one
and across a relation; anything that is not a list of integers is refused rather than guessed."""
import pytest

from npl.collection.models import LoanClock
from npl.core.derived import rebuild
from npl.loans.models import Borrower, Loan

pytestmark = pytest.mark.django_db


def test_ids_finds_the_same_rows_as_in_on_keys_foreign_keys_and_relations(loans):
    ids = sorted(loan.pk for loan in loans.values())[:3]
    asked = [ids[2], ids[0], ids[0], 10**9]  # unordered, repeated, and one that matches nothing
    assert list(Loan.objects.filter(pk__ids=asked).order_by("pk")) == list(Loan.objects.filter(pk__in=asked).order_by("pk"))
    assert set(Loan.objects.filter(pk__ids=asked).values_list("pk", flat=True)) == {ids[0], ids[2]}
    borrowers = {loan.borrower_id for loan in loans.values()}
    assert set(Loan.objects.filter(borrower_id__ids=borrowers)) == set(Loan.objects.filter(borrower_id__in=borrowers))
    assert set(Borrower.objects.filter(loans__pk__ids=ids)) == set(Borrower.objects.filter(loans__pk__in=ids))
    rebuild(only=["clocks"])
    assert set(LoanClock.objects.filter(loan_id__ids=ids).values_list("loan_id", flat=True)) == set(ids)
    assert set(LoanClock.objects.filter(loan__ids=ids[:1]).values_list("loan_id", flat=True)) == {ids[0]}
    assert Loan.objects.exclude(pk__ids=ids).count() == len(loans) - 3


def test_an_empty_list_matches_nothing():
    assert not Loan.objects.filter(pk__ids=[]).exists()


def test_text_and_subqueries_are_refused_not_guessed(loans):
    with pytest.raises(ValueError):
        list(Loan.objects.filter(pk__ids=["1 OR 1=1"]))
    with pytest.raises(TypeError, match="__in"):
        list(Loan.objects.filter(pk__ids=Loan.objects.values("pk")))
    with pytest.raises(TypeError):
        list(Loan.objects.filter(pk__ids=5))


def test_texts_finds_the_same_rows_as_in_and_refuses_anything_but_strings(loans):
    hashes = sorted({loan.borrower.id_hash for loan in loans.values()})[:2]
    assert len(hashes) == 2
    asked = [hashes[1], hashes[0], hashes[0], "no-such-hash"]
    assert set(Borrower.objects.filter(id_hash__texts=asked)) == set(Borrower.objects.filter(id_hash__in=asked))
    assert Borrower.objects.filter(id_hash__texts=asked).count() == 2
    assert set(Loan.objects.filter(borrower__id_hash__texts=hashes[:1])) == set(Loan.objects.filter(borrower__id_hash=hashes[0]))
    assert Borrower.objects.exclude(id_hash__texts=hashes).count() == Borrower.objects.count() - 2
    assert not Borrower.objects.filter(id_hash__texts=[]).exists()
    with pytest.raises(TypeError):
        list(Borrower.objects.filter(id_hash__texts=[1, 2]))
    with pytest.raises(TypeError, match="__in"):
        list(Borrower.objects.filter(id_hash__texts=Borrower.objects.values("id_hash")))


def test_an_excluded_empty_list_keeps_every_row(loans):
    assert Loan.objects.exclude(pk__ids=[]).count() == len(loans)
    assert Borrower.objects.exclude(id_hash__texts=[]).count() == Borrower.objects.count()
