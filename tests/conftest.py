"""Fixtures shared by every layer of the suite."""
from pathlib import Path

import pytest
from assessments.exchange import services as exchange_services

# The worked examples of the interchange contract (each X.json with the figures it must produce
# in X.expected.json), copied into the repository so that a clone alone runs every test.
EXAMPLES = Path(__file__).resolve().parent / "examples"


@pytest.fixture
def examples_dir():
    return EXAMPLES


@pytest.fixture
def import_example(db, examples_dir):
    """Import a worked example by file stem through the real service; return the assessment."""
    from assessments.domain import interchange
    from assessments.core import selectors

    def _import(stem):
        data = interchange.loads((examples_dir / f"{stem}.json").read_text(encoding="utf-8"))
        document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
        assert not errors, errors
        return exchange_services.assessment_import(document=document)

    return _import


_DEMO_ROWS = []  # [(model, [field values by attname, …]), …] in the order they were written


@pytest.fixture
def demo(db):
    """The demo data of the five seeds and their users, loaded by the real command.

    The command runs once per test session (it goes through the real services and takes about a
    second); its rows are then copied back into each later test's database in one bulk insert per
    table, which takes a few milliseconds and gives every test the same fresh demo.
    """
    from assessments.models import ScoringScheme
    from assessments.domain.schemes import load_shipped

    if not ScoringScheme.objects.exists():  # a transactional test before this one emptied every table
        load_shipped(ScoringScheme)
    if _DEMO_ROWS:
        _restore(_DEMO_ROWS)
        return
    from io import StringIO

    from django.core.management import call_command

    before = _row_ids()
    call_command("load_demo", stdout=StringIO())
    for model, ids in _row_ids().items():
        new = ids - before.get(model, set())
        if new:
            fields = [f.attname for f in model._meta.concrete_fields]
            _DEMO_ROWS.append((model, list(model._base_manager.filter(pk__in=new).order_by("pk").values(*fields))))


def _models():
    from django.apps import apps

    skip = {"contenttypes", "sessions", "admin"}
    return [m for m in apps.get_models(include_auto_created=True)
            if m._meta.app_label not in skip and not m._meta.proxy and m._meta.managed]


def _row_ids():
    return {m: set(m._base_manager.values_list("pk", flat=True)) for m in _models()}


def _restore(rows):
    from django.core.management.color import no_style
    from django.db import connection

    # Parents before children: the order of _models() is the apps' and models' declaration order,
    # which follows the foreign keys except for a few; insert with constraints checked at commit.
    with connection.constraint_checks_disabled():
        for model, values in rows:
            model._base_manager.bulk_create([model(**v) for v in values])
    statements = connection.ops.sequence_reset_sql(no_style(), [m for m, _v in rows])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with empty caches (sign-in throttling lives in the database and rolls back)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()
