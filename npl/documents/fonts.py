"""A PDF needs a font that covers Chinese: without one WeasyPrint draws empty boxes (tofu), so we refuse instead."""
import functools
import subprocess

INSTALL_HINT = "请安装中文字体：apt-get install fonts-noto-cjk（或 fonts-wqy-microhei），然后重试"


class CjkFontMissing(RuntimeError):
    """No font covering Chinese is installed: a PDF would show boxes instead of characters."""


def cjk_families(env: dict | None = None) -> tuple[str, ...]:
    """Font families fontconfig offers for Chinese (`fc-list :lang=zh family`); empty when none or no fontconfig."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30, env=env, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    families = set()
    for line in out.splitlines():
        for name in line.split(","):
            if name.strip():
                families.add(name.strip())
    return tuple(sorted(families))


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

