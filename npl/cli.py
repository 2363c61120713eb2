"""The `npl` console script: Django's management commands under our settings, plus ours."""
import os
import sys


def main(argv=None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["npl", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
