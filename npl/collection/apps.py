from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "npl.collection"
    label = "collection"
    verbose_name = "清收"
