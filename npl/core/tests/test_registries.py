"""The registries apps fill in ready(): the loan page's panels and the daily sweep's jobs, in their order."""
import io
import json

import pytest
from django.core.management import call_command

from npl.core import daily, panels


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


def test_panels_fold_their_small_reads_into_the_loans_query_and_may_not_share_a_name(monkeypatch):
    monkeypatch.setattr(panels, "_REGISTRY", {})
    nothing = lambda request, loan, page: {}  # noqa: E731
    panels.register(panels.Panel("a.asks", 1, "a.html", nothing, loan_annotations=lambda request: {"a_value": request}),
                    panels.Panel("b.silent", 2, "b.html", nothing, loan_annotations=lambda request: None),
                    panels.Panel("c.plain", 3, "c.html", nothing))
    assert panels.loan_annotations("the request") == {"a_value": "the request"}
    panels.register(panels.Panel("d.clash", 4, "d.html", nothing, loan_annotations=lambda request: {"a_value": 1}))
    with pytest.raises(ValueError, match="d.clash"):
        panels.loan_annotations("the request")


def test_the_daily_jobs_run_collection_then_waivers_then_documents():
    # A plan broken today voids its waiver: the waivers' job reads what the collection's job decided.
    assert [(j.name, j.order) for j in daily.jobs()] == [("collection", 10), ("waivers", 20), ("documents", 30)]


@pytest.mark.django_db
def test_the_sweep_reports_the_same_keys_in_the_same_order():
    out = io.StringIO()
    call_command("collection", "sweep", "--date", "2026-03-02", "--json", stdout=out)
    assert list(json.loads(out.getvalue())) == [
        "date", "promises_kept", "promises_broken", "instalments_paid", "instalments_missed", "plans_broken",
        "plans_completed", "suspensions_ended", "guarantors_released", "waivers_applied", "waivers_voided",
        "document_batches_removed", "derived_rows_changed",
    ]
    text = io.StringIO()
    call_command("collection", "sweep", "--date", "2026-03-02", stdout=text)
    assert text.getvalue().startswith("2026-03-02 清收日常处理：承诺履行 0，承诺违约 0，")
    assert "减免生效 0，减免作废 0，清理过期批量文书 0，派生数据更新行数" in text.getvalue()
