"""Charts: Chinese text in the SVG, and a rate axis that starts at 0 so a flat line stays flat."""
import re

from npl.reports import charts


def _y_axis_bottom(svg: str) -> str:
    """The lowest y tick label matplotlib wrote (SVG text stays text: the first label of the `ytick_1` group)."""
    return re.search(r'<g id="ytick_1">.*?<text[^>]*>([^<]*)</text>', svg, flags=re.S).group(1)


def test_the_rate_axis_starts_at_zero_however_flat_the_line():
    assert charts.rate_axis([15.09, 15.12, 15.15]) == (0.0, 15.15 * 1.15)
    assert charts.rate_axis([]) == (0.0, 1.0)  # no data: still a sensible 0–1% frame
    assert charts.rate_axis([0.0, 0.0]) == (0.0, 1.0)


def test_the_bulletin_trend_of_a_flat_rate_is_drawn_from_zero_with_chinese_labels():
    points = [["2026-04-01", "15.09"], ["2026-04-02", "15.12"], ["2026-04-03", "15.15"]]
    svg = charts.trend_chart(points, fmt="svg").decode()
    assert "全区清收率走势" in svg and "清收率（%）" in svg
    assert _y_axis_bottom(svg) == "0.0"
