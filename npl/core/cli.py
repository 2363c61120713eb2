"""Helpers for our management commands: Chinese errors with exit codes, dates, JSON output."""
import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand

from npl.core.dates import parse_date_text


class Exit(Exception):
    """Leave a command with a Chinese message on stderr and an exit code (2: unusable call or file)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def parse_day(value: str | None, label: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    day = parse_date_text(value)
    if day is None:
        raise Exit(f"{label} 的日期“{value}”无法识别（示例：2026-03-31）")
    return day


class NplCommand(BaseCommand):
    """A command whose failures are a Chinese line on stderr and an exit code, never a traceback."""

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except Exit as exc:
            sys.stderr.write(f"错误：{exc}\n")
            sys.exit(exc.code)

    def emit_json(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=None, default=str))
