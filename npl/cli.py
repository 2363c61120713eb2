"""The `npl` console script: Django's management commands under our settings, plus ours."""
import os
import sys


def main(argv=None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "runserver":
        # Imports, the sweep, derive, the demo and migrations wait for locks as long as it takes; only pages give up
        # (NPL_PG_LOCK_TIMEOUT, npl.core.busy). They hash long lists of loans and borrowers (NPL_PG_WORK_MEM).
        os.environ.setdefault("NPL_PG_LOCK_TIMEOUT", "0")
        os.environ.setdefault("NPL_PG_WORK_MEM", "256MB")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["npl", *args])


if __name__ == "__main__":
    main()
