"""Fixtures shared by every layer of the suite."""
from pathlib import Path

import pytest

# The worked examples of the interchange contract (each X.json with the figures it must produce
# in X.expected.json), copied into the repository so that a clone alone runs every test.
EXAMPLES = Path(__file__).resolve().parent / "examples"


@pytest.fixture
def examples_dir():
    return EXAMPLES


@pytest.fixture
def import_example(db, examples_dir):
    """Import a worked example by file stem through the real service; return the assessment."""
    from assessments import interchange, selectors, services

    def _import(stem):
        data = interchange.loads((examples_dir / f"{stem}.json").read_text(encoding="utf-8"))
        document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
        assert not errors, errors
        return services.assessment_import(document=document)

    return _import


@pytest.fixture
def demo(db):
    """The demo data of the five seeds and their users, loaded by the real command."""
    from io import StringIO

    from django.core.management import call_command

    call_command("load_demo", stdout=StringIO())


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with an empty cache, so login throttling counts never leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
