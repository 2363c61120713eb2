"""Charts with Chinese labels: one code path, PNG for Word, SVG for pages (format= switch).

matplotlib's Figure is used without pyplot (no global state: safe in a web worker). The CJK face is found
by file (`documents.fonts.cjk_font_file`: fontconfig, then the known paths) and registered with matplotlib's
font manager, so a font installed after matplotlib built its cache is used all the same. Without one, every
chart is an image saying the server lacks the font (never boxes for Chinese, never an error page).
"""
import datetime as dt
import functools
import io
from decimal import Decimal
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import dates as mdates  # noqa: E402
from matplotlib import font_manager, rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from npl.documents.fonts import MISSING_FONT_MESSAGE, cjk_font_file  # noqa: E402

BLUE, RED, GREY = "#2f6db5", "#c0392b", "#7f8c8d"
# Drawn once on a machine with the font (scripts/draw-missing-font-chart.py): a PNG needs no font to be shown.
MISSING_FONT_PNG = Path(__file__).resolve().parent.parent / "static" / "reports" / "chart-missing-font.png"


class FontMissing(RuntimeError):
    """No CJK font is installed: install fonts-noto-cjk (apt) so charts do not show boxes for Chinese."""


@functools.lru_cache(maxsize=1)
def _registered() -> tuple[str, str] | None:
    path = cjk_font_file()
    if path is None:
        return None
    # addfont whatever the cache holds: matplotlib's font list is built once and never sees later installs.
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name(), path


def cjk_font() -> tuple[str, str]:
    """(family, file) of the CJK face charts draw with, registered with matplotlib; FontMissing when there is none."""
    found = _registered()
    if found is None:
        _registered.cache_clear()  # an admin may install the font without restarting the server
        raise FontMissing(f"未找到中文字体：{MISSING_FONT_MESSAGE}")
    return found


def forget_font() -> None:
    """Look for the font again at the next chart (tests that change the fonts on offer)."""
    _registered.cache_clear()


def missing_font_image(fmt: str) -> bytes:
    """The chart's stand-in without a CJK font: SVG text the browser draws with its own fonts, or the pre-drawn PNG."""
    if fmt == "png":
        return MISSING_FONT_PNG.read_bytes()
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="540" height="120" viewBox="0 0 540 120">'
        '<rect x="0.5" y="0.5" width="539" height="119" fill="#fdf6e3" stroke="#c0392b"/>'
        f'<text x="270" y="66" text-anchor="middle" font-family="sans-serif" font-size="16" fill="#c0392b">'
        f"{escape(MISSING_FONT_MESSAGE)}</text></svg>"
    ).encode()


def _or_missing_font(draw):
    """A chart function that answers with the missing-font image instead of raising FontMissing."""
    @functools.wraps(draw)
    def wrapper(*args, fmt: str = "png", **kwargs) -> bytes:
        try:
            return draw(*args, fmt=fmt, **kwargs)
        except FontMissing:
            return missing_font_image(fmt)
    return wrapper


def _rc() -> dict:
    family, _ = cjk_font()
    # SVG text stays text (small files; the browser draws it); hashsalt keeps the ids stable run to run.
    return {"font.family": [family, "sans-serif"], "axes.unicode_minus": False, "svg.fonttype": "none", "svg.hashsalt": "npl"}


def _out(fig: Figure, fmt: str) -> bytes:
    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=150, bbox_inches="tight", metadata=meta)
    return buf.getvalue()


@_or_missing_font
def ranking_chart(rows: list[dict], district_rate: str, *, fmt: str = "png", title: str = "各单位清收率") -> bytes:
    """Horizontal bars of each township's recovery rate (rank order), laggards in red, the district rate dashed."""
    rows = [r for r in rows if r.get("task_count")]
    with rc_context(_rc()):
        fig = Figure(figsize=(7.5, 0.45 * max(len(rows), 3) + 1.2))
        ax = fig.add_subplot()
        names = [r["township"] for r in rows][::-1]
        rates = [float(Decimal(r["rate"])) for r in rows][::-1]
        colors = [RED if r.get("laggard") else BLUE for r in rows][::-1]
        bars = ax.barh(names, rates, color=colors)
        for bar, rate in zip(bars, rates, strict=True):
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {rate:.2f}%", va="center", fontsize=9)
        avg = float(Decimal(district_rate))
        ax.axvline(avg, color=GREY, linestyle="--", linewidth=1, label=f"全区平均 {avg:.2f}%")
        ax.set_xlabel("清收率（%）")
        ax.set_title(title)
        ax.set_xlim(0, max([*rates, avg, 1.0]) * 1.2)
        ax.legend(loc="lower right", fontsize=9)
        return _out(fig, fmt)


def rate_axis(*series: list[float]) -> tuple[float, float]:
    """(bottom, top) of a recovery-rate axis: from 0 always, so a flat line at 15% does not look like a jump."""
    top = max([v for values in series for v in values] or [0.0])
    return 0.0, max(top * 1.15, 1.0)


@_or_missing_font
def trend_chart(points: list[list[str]], *, fmt: str = "png", title: str = "全区清收率走势") -> bytes:
    """A line of the district's recovery rate per snapshot day ([[ISO day, rate], …])."""
    with rc_context(_rc()):
        fig = Figure(figsize=(7.5, 3.2))
        ax = fig.add_subplot()
        days = [dt.date.fromisoformat(d) for d, _ in points]
        rates = [float(Decimal(r)) for _, r in points]
        ax.plot(days, rates, color=BLUE, marker="o" if len(points) < 20 else None, linewidth=2)
        ax.set_ylabel("清收率（%）")
        ax.set_ylim(*rate_axis(rates))
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        if not points:
            ax.text(0.5, 0.5, "暂无快照数据", transform=ax.transAxes, ha="center", va="center", color=GREY)
        fig.autofmt_xdate()
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        return _out(fig, fmt)


@_or_missing_font
def comparison_chart(own: list[list[str]], district: list[list[str]], *, name: str, fmt: str = "png") -> bytes:
    """A unit's recovery rate per snapshot day beside the district's ([[ISO day, rate], …] each), from 0%."""
    with rc_context(_rc()):
        fig = Figure(figsize=(7.5, 3.2))
        ax = fig.add_subplot()
        lines = []
        for points, label, color, style in ((own, name, BLUE, "-"), (district, "全区", GREY, "--")):
            days = [dt.date.fromisoformat(d) for d, _ in points]
            rates = [float(Decimal(r)) for _, r in points]
            ax.plot(days, rates, color=color, linestyle=style, linewidth=2, label=label)
            lines.append(rates)
        ax.set_ylim(*rate_axis(*lines))
        ax.set_ylabel("清收率（%）")
        ax.set_title(f"{name}清收率走势（与全区对比）")
        ax.grid(axis="y", alpha=0.3)
        if own:
            ax.legend(loc="upper left", fontsize=9)
        else:
            ax.text(0.5, 0.5, "暂无快照数据", transform=ax.transAxes, ha="center", va="center", color=GREY)
        fig.autofmt_xdate()
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        return _out(fig, fmt)


@_or_missing_font
def count_bars(rows: list[tuple[str, int]], *, title: str, unit: str = "笔", fmt: str = "png") -> bytes:
    """Horizontal bars of counts with Chinese labels (categories, loan states…), in the order given, top first."""
    with rc_context(_rc()):
        fig = Figure(figsize=(7.5, 0.4 * max(len(rows), 3) + 1.2))
        ax = fig.add_subplot()
        labels = [label for label, _ in rows][::-1]
        values = [n for _, n in rows][::-1]
        bars = ax.barh(labels, values, color=BLUE)
        for bar, n in zip(bars, values, strict=True):
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {n}", va="center", fontsize=9)
        ax.set_xlim(0, max([*values, 1]) * 1.2)
        ax.set_xlabel(f"{unit}数")
        ax.set_title(title)
        if not rows:
            ax.text(0.5, 0.5, "暂无数据", transform=ax.transAxes, ha="center", va="center", color=GREY)
        return _out(fig, fmt)
