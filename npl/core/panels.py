"""The loan page as panels (issue 16): each app registers what it shows on a loan's page.

`loans` owns the page (the scoped fetch of the loan, its header) but sits low in the layer order: the
categories, clocks, suggestions, cases and refinancing requests it shows belong to apps above it. Each of
those apps registers a `Panel` in its AppConfig.ready(): a name, an order (where on the page), the template
it renders and a function `(request, loan, page) -> dict | None` giving the template's context (None: the
panel is not shown); a panel reading one small value of another table may instead ask the loan's own query
to carry it (`loan_annotations`: one query fewer). The page runs the panels in their order over one shared context (`page`): a panel's
context is added to it before the next runs, so work panels share is done once — the suggestions read the
clock and the categories the panels above them put there, without querying them again.

Layering: this module is in `core`, so `loans` renders every panel without importing the apps above it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    """One section of the loan page, contributed by the app that owns what it shows."""

    name: str  # unique; "app.what"
    order: int  # lower is higher on the page, and runs first
    template: str  # rendered with the page's context (the page's own keys plus every shown panel's)
    context: Callable[[Any, Any, dict], dict | None]  # (request, loan, page) → its keys, or None: not shown
    stylesheets: tuple[str, ...] = ()  # static paths the page links in its <head>
    # request → annotations ({name: expression}) the loan's own query carries for this panel: a small read of
    # another table folded into the query the page makes anyway instead of one more query. None or {}: nothing.
    loan_annotations: Callable[[Any], dict | None] | None = None


_REGISTRY: dict[str, Panel] = {}


def register(*new: Panel) -> None:
    """Add panels (from an AppConfig.ready()); registering a name again replaces it."""
    for panel in new:
        if not panel.name:
            raise ValueError("a Panel needs a name")
        _REGISTRY[panel.name] = panel


def panels() -> list[Panel]:
    """The registered panels in page order."""
    return sorted(_REGISTRY.values(), key=lambda p: (p.order, p.name))


def loan_annotations(request) -> dict:
    """The annotations the shown panels ask the loan's query to carry (Panel.loan_annotations). Two panels
    naming the same annotation would read each other's: refused."""
    found: dict = {}
    for panel in panels():
        extra = panel.loan_annotations(request) if panel.loan_annotations else None
        if not extra:
            continue
        clash = set(extra) & set(found)
        if clash:
            raise ValueError(f"panel {panel.name} would replace the loan annotations {sorted(clash)}")
        found.update(extra)
    return found


def page_context(request, loan, page: dict) -> dict:
    """Run every panel in order over `page` (the loan page's own keys); return it with each shown panel's keys
    and `panels` (the shown ones, in order) and `panel_stylesheets`. A panel may not replace a key already
    there: two panels naming the same key would show one of them wrongly."""
    shown = []
    for panel in panels():
        extra = panel.context(request, loan, page)
        if extra is None:
            continue
        clash = set(extra) & set(page)
        if clash:
            raise ValueError(f"panel {panel.name} would replace {sorted(clash)} of the loan page")
        page.update(extra)
        shown.append(panel)
    page["panels"] = shown
    page["panel_stylesheets"] = [css for p in shown for css in p.stylesheets]
    return page
