"""采用本区设置 / 恢复省级默认: the two actions every per-district settings page offers (npl.core.tenancy)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from npl.core import tenancy


def _kind(name: str) -> tenancy.Kind:
    try:
        return tenancy.kind(name)
    except ValueError:
        raise Http404("没有这类设置") from None


def _back(request):
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    return redirect(target)


@login_required
@require_POST
def adopt(request, kind: str):
    """A district admin's 采用本区设置: the province default is copied into the district, which then keeps its own."""
    k = _kind(kind)
    district_id = tenancy.editing_district(request.user, kind)
    if district_id is None:
        raise PermissionDenied("省级默认本身不需要采用")
    if tenancy.adopt(district_id, kind, request.user):
        messages.success(request, f"本区已采用自己的{k.label}（从省级默认复制），此后修改只影响本区")
    else:
        messages.info(request, f"本区已经在使用自己的{k.label}")
    return _back(request)


@login_required
@require_POST
def restore(request, kind: str):
    """A district admin's 恢复省级默认: the district's own settings are deleted; it follows the default again."""
    k = _kind(kind)
    try:
        restored = tenancy.restore_default(request.user, kind)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _back(request)
    if restored:
        messages.success(request, f"已恢复省级默认的{k.label}，本区自定的设置已删除")
    else:
        messages.info(request, f"本区本来就沿用省级默认的{k.label}")
    return _back(request)
