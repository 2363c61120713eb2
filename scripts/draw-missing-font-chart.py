"""Draw npl/static/reports/chart-missing-font.png, the chart a server without a CJK font shows in Word files.

Run once on a machine that has fonts-noto-cjk (the PNG carries the glyphs, so the server needs no font):
    .venv/bin/python scripts/draw-missing-font-chart.py
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")

import django  # noqa: E402

django.setup()

from matplotlib.figure import Figure  # noqa: E402

from npl.documents.fonts import MISSING_FONT_MESSAGE  # noqa: E402
from npl.reports import charts  # noqa: E402

family, _ = charts.cjk_font()
fig = Figure(figsize=(7.5, 1.6))
fig.patch.set_facecolor("#fdf6e3")
fig.text(0.5, 0.5, MISSING_FONT_MESSAGE, ha="center", va="center", color=charts.RED, fontsize=13, family=family)
fig.savefig(charts.MISSING_FONT_PNG, format="png", dpi=150, metadata={"Software": None}, facecolor=fig.get_facecolor())
print(charts.MISSING_FONT_PNG)
