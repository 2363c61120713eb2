from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "npl.collection"
    label = "collection"
    verbose_name = "清收"

    def ready(self):
        from npl.collection.clocks.store import ClockDeriver
        from npl.core import derived

        derived.register(ClockDeriver())
