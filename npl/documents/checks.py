"""System check: warn at start-up when PDFs could not show Chinese (no CJK font for WeasyPrint)."""
from django.core.checks import Warning, register

from npl.documents.fonts import INSTALL_HINT, cjk_families


@register()
def cjk_font_installed(app_configs, **kwargs):
    """documents.W001 when fontconfig offers no font covering Chinese."""
    if cjk_families():
        return []
    return [Warning("PDF 文书无法显示中文：本机没有中文字体，生成 PDF 会被拒绝。", hint=INSTALL_HINT, id="documents.W001")]
