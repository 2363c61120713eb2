"""WSGI entry point for gunicorn: `gunicorn npl.wsgi`."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")
application = get_wsgi_application()
