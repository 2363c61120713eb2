from django.apps import AppConfig


class LitigationConfig(AppConfig):
    name = "npl.litigation"
    label = "litigation"
    verbose_name = "诉讼执行"
