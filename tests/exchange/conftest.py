"""Fixtures of the JSON exchange tests: the import command as a person runs it."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.fixture
def run_import():
    """Run `manage.py assessment_import` on files; return (exit code, what it printed, what it complained)."""
    def run(*paths):
        out, err = StringIO(), StringIO()
        try:
            call_command("assessment_import", *[str(p) for p in paths], stdout=out, stderr=err)
            code = 0
        except CommandError as exc:
            code = exc.returncode
        return code, out.getvalue(), err.getvalue()

    return run
