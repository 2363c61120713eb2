"""Fonts that cover Chinese: PDFs (WeasyPrint) and charts (matplotlib) need one, else they draw boxes (tofu).

A PDF without one is refused; a chart without one becomes an image saying so (npl.reports.charts). The file
is found by fontconfig first, then at the paths the Debian/Ubuntu packages install to (setting
NPL_CJK_FONT_FILES), so a font installed after matplotlib built its cache is still found.
"""
import functools
import subprocess
from pathlib import Path

INSTALL_HINT = "请安装中文字体：apt-get install fonts-noto-cjk（或 fonts-wqy-microhei），然后重试"
MISSING_FONT_MESSAGE = "服务器缺少中文字体，无法绘制图表。请管理员安装 fonts-noto-cjk 后刷新。"

# Where fonts-noto-cjk, fonts-wqy-microhei and fonts-wqy-zenhei put their faces (Debian 12, Ubuntu 22.04+),
# plus the Noto layout of Fedora and Arch. The first one present is used when fontconfig offers none.
KNOWN_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)


class CjkFontMissing(RuntimeError):
    """No font covering Chinese is installed: a PDF would show boxes instead of characters."""


def _fc_list(pattern: str, fields: str, env: dict | None = None) -> str:
    try:
        return subprocess.run(
            ["fc-list", pattern, fields], capture_output=True, text=True, timeout=30, env=env, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def cjk_families(env: dict | None = None) -> tuple[str, ...]:
    """Font families fontconfig offers for Chinese (`fc-list :lang=zh family`); empty when none or no fontconfig."""
    families = set()
    for line in _fc_list(":lang=zh", "family", env).splitlines():
        for name in line.split(","):
            if name.strip():
                families.add(name.strip())
    return tuple(sorted(families))


def _preference(path: str, families: str) -> tuple:
    # A regular sans face reads best on a chart: Noto Sans CJK, then WenQuanYi, then any other; bold and serif last.
    name = Path(path).name.lower()
    return (
        0 if "Sans CJK" in families else 1 if "WenQuanYi" in families else 2,
        "bold" in name or "light" in name or "thin" in name or "black" in name,
        "serif" in name,
        path,
    )


def cjk_font_file() -> str | None:
    """The file of a font covering Chinese: fontconfig's choice, else the first known path present; None when none."""
    from django.conf import settings

    found = []
    for line in _fc_list(":lang=zh", "file family").splitlines():
        path, _, families = line.partition(": ")
        path = path.rstrip(":").strip()
        if path and Path(path).is_file():
            found.append((path, families))
    if found:
        return min(found, key=lambda f: _preference(*f))[0]
    for path in getattr(settings, "NPL_CJK_FONT_FILES", KNOWN_FONT_FILES):
        if path and Path(path).is_file():
            return str(path)
    return None


@functools.lru_cache(maxsize=1)
def _installed() -> tuple[str, ...]:
    # Cached: fc-list takes ~0.1 s and fonts do not change under a running server.
    return cjk_families()


def require_cjk_font(env: dict | None = None) -> tuple[str, ...]:
    """The Chinese font families, or CjkFontMissing with the package to install (never a PDF in tofu)."""
    families = cjk_families(env) if env is not None else _installed()
    if not families:
        if env is None:
            _installed.cache_clear()  # an admin may install the font without restarting the server
        raise CjkFontMissing(f"无法生成 PDF：本机没有可显示中文的字体。{INSTALL_HINT}")
    return families
