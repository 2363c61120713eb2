"""Charts with Chinese labels: one code path, PNG for Word, SVG for pages (format= switch).

matplotlib's Figure is used without pyplot (no global state: safe in a web worker). The CJK face is
Noto Sans CJK SC from fonts-noto-cjk (WenQuanYi as fallback): without one, Chinese turns into boxes.
"""
import datetime as dt
import io
from decimal import Decimal
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
from matplotlib import dates as mdates  # noqa: E402
from matplotlib import font_manager, rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Source Han Sans SC")
BLUE, RED, GREY = "#2f6db5", "#c0392b", "#7f8c8d"


class FontMissing(RuntimeError):
    """No CJK font is installed: install fonts-noto-cjk (apt) so charts do not show boxes for Chinese."""


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, str]:
    """(family, file) of the first installed CJK face of CJK_FAMILIES."""
    for family in CJK_FAMILIES:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        return family, path
    raise FontMissing("未找到中文字体：请安装 fonts-noto-cjk（Noto Sans CJK SC）")


def _rc() -> dict:
    family, _ = cjk_font()
    # SVG text stays text (small files; the browser draws it); hashsalt keeps the ids stable run to run.
    return {"font.family": [family, "sans-serif"], "axes.unicode_minus": False, "svg.fonttype": "none", "svg.hashsalt": "npl"}


def _out(fig: Figure, fmt: str) -> bytes:
    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=150, bbox_inches="tight", metadata=meta)
    return buf.getvalue()


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
