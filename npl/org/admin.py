"""Admin screens for the organisation: district, townships with their communities, bank and branches."""
from django.contrib import admin

from npl.org.models import Bank, Branch, Community, District, Region, Township


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Provinces and cities above the districts."""

    list_display = ("name", "tier", "parent")
    list_filter = ("tier",)
    list_select_related = ("parent",)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    """The districts (tenants) and the city or province each reports to."""

    list_display = ("name", "region")
    list_select_related = ("region",)


class CommunityInline(admin.TabularInline):
    model = Community
    extra = 0


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    """Townships, their lead branch and communities."""

    list_display = ("name", "district", "lead_branch")
    list_select_related = ("district", "lead_branch")
    search_fields = ("name",)
    inlines = [CommunityInline]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    """Communities and villages."""

    list_display = ("name", "township")
    list_filter = ("township",)
    list_select_related = ("township",)
    search_fields = ("name", "township__name")


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    """The rural cooperative bank."""

    list_display = ("name",)


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    """Branches and the townships they serve."""

    list_display = ("name", "bank", "district")
    list_filter = ("bank", "district")
    list_select_related = ("bank", "district")
    search_fields = ("name",)
    filter_horizontal = ("townships",)
