"""Home-page pieces the reports app computes for a role the home view does not prepare (the branch clerk)."""
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def branch_board(context) -> dict:
    """{statuses, pending} of the signed-in branch clerk (see npl.reports.dashboards.branch_board)."""
    from npl.reports.dashboards import branch_board as board

    return board(context["request"].user)
