"""接口令牌 page: the district admin creates tokens (the key is shown once), revokes them, sees their last use."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from npl.api import services
from npl.api.forms import TokenForm


def _require_admin(user) -> None:
    if not services.may_manage_tokens(user):
        raise PermissionDenied("只有区金融办可以管理接口令牌")


@never_cache
@login_required
def token_list(request):
    """The tokens, newest first, and the form for a new one; a new key is shown in this response only."""
    _require_admin(request.user)
    form = TokenForm(request.POST or None, user=request.user)
    new_key = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            token, new_key = services.create_token(request.user, name=d["name"], role=d["role"], township=d["township"],
                                                   branch=d["branch"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"已创建令牌“{token.name}”。请立即复制保存，离开本页后无法再次查看。")
            form = TokenForm(user=request.user)
    tokens = services.tokens_for(request.user)
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@require_POST
@login_required
def token_revoke(request, pk: int):
    """撤销: the key stops working at once; the row stays for the record."""
    _require_admin(request.user)
    token = get_object_or_404(services.tokens_for(request.user), pk=pk)
    try:
        services.revoke_token(request.user, token)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已撤销令牌“{token.name}”")
    return redirect("api:tokens")
