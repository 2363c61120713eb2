from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "npl.campaigns"
    label = "campaigns"
    verbose_name = "清收行动"
