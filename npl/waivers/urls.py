app_name = "waivers"
urlpatterns = []
