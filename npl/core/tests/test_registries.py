"""The registries apps fill in ready(): the loan page's panels, in their order."""
import pytest

from npl.core import panels


def test_the_loan_page_shows_the_panels_in_the_order_it_always_had():
    assert [p.name for p in panels.panels()] == [
        "categories.chips", "campaigns.requests", "loans.facts", "collection.clocks", "collection.flow",
        "advice.suggestions", "documents.links", "collection.other_day", "loans.guarantors", "litigation.cases",
        "refinance.requests", "collection.repayments", "collection.actions", "loans.history",
    ]


def test_panels_run_in_order_over_one_context_and_one_answering_none_is_not_shown(monkeypatch):
    seen = []

    def first(request, loan, page):
        return {"clock": "computed once"}

    def hidden(request, loan, page):
        return None

    def reader(request, loan, page):
        seen.append(page["clock"])  # what a panel above put on the page
        return {"read": True}

    monkeypatch.setattr(panels, "_REGISTRY", {})
    panels.register(panels.Panel("b.reader", 30, "b.html", reader, stylesheets=("b/b.css",)),
                    panels.Panel("a.first", 10, "a.html", first), panels.Panel("c.hidden", 20, "c.html", hidden))
    page = panels.page_context(None, None, {"loan": "the loan"})
    assert [p.name for p in page["panels"]] == ["a.first", "b.reader"]
    assert seen == ["computed once"] and page["read"] and page["panel_stylesheets"] == ["b/b.css"]


def test_a_panel_may_not_replace_what_the_page_or_a_panel_above_put_there(monkeypatch):
    monkeypatch.setattr(panels, "_REGISTRY", {})
    panels.register(panels.Panel("x.clash", 1, "x.html", lambda request, loan, page: {"loan": "another"}))
    with pytest.raises(ValueError, match="x.clash"):
        panels.page_context(None, None, {"loan": "mine"})
