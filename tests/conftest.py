"""Fixtures shared by every layer of the suite."""
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from assessments.core import selectors
from assessments.domain import interchange
from assessments.domain.schemes import load_shipped
from assessments.exchange import services as exchange_services
from assessments.models import ScoringScheme
from tests.helpers import signed_in

# The worked examples of the interchange contract (each X.json with the figures it must produce
# in X.expected.json), copied into the repository so that a clone alone runs every test.
EXAMPLES = Path(__file__).resolve().parent / "examples"


def pytest_collection_modifyitems(items):
    """Every browser test is slow (Chromium and a live server): ``-m "not slow"`` leaves them out."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def examples_dir():
    return EXAMPLES


@pytest.fixture
def import_example(db, examples_dir):
    """Import a worked example by file stem through the real service; return the assessment."""
    def _import(stem):
        data = interchange.loads((examples_dir / f"{stem}.json").read_text(encoding="utf-8"))
        document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
        assert not errors, errors
        return exchange_services.assessment_import(document=document)

    return _import


_SCHEME_ROWS = []  # the shipped scoring schemes as the migration wrote them, ids included
_DEMO_ROWS = []  # [(model, [field values by attname, …]), …] in the order they were written


@pytest.fixture
def demo(db):
    """The demo data of the five seeds and their users, loaded by the real command.

    The command runs once per test session (it goes through the real services and takes about a
    second); its rows are then copied back into each later test's database in one bulk insert per
    table, which takes a few milliseconds and gives every test the same fresh demo. Transactional
    tests (browser, live server, batch export) get it the same way: they end by emptying every
    table, the shipped schemes included, so those are put back first with the ids the demo's rows
    refer to.
    """
    if not ScoringScheme.objects.exists():  # a transactional test before this one emptied every table
        if _SCHEME_ROWS:
            _restore(_SCHEME_ROWS)
        else:
            load_shipped(ScoringScheme)
    if _DEMO_ROWS:
        _restore(_DEMO_ROWS)
        return
    if not _SCHEME_ROWS:
        _SCHEME_ROWS.append((ScoringScheme, _values(ScoringScheme, ScoringScheme.objects.all())))
    before = _row_ids()
    call_command("load_demo", stdout=StringIO())
    for model, ids in _row_ids().items():
        new = ids - before.get(model, set())
        if new:
            _DEMO_ROWS.append((model, _values(model, model._base_manager.filter(pk__in=new))))


def _values(model, queryset):
    return list(queryset.order_by("pk").values(*[f.attname for f in model._meta.concrete_fields]))


def _models():
    skip = {"contenttypes", "sessions", "admin"}
    return [m for m in apps.get_models(include_auto_created=True)
            if m._meta.app_label not in skip and not m._meta.proxy and m._meta.managed]


def _row_ids():
    return {m: set(m._base_manager.values_list("pk", flat=True)) for m in _models()}


def _restore(rows):
    # Parents before children: the order of _models() is the apps' and models' declaration order,
    # which follows the foreign keys except for a few; insert with constraints checked at commit
    # (one transaction, also in a transactional test, where each insert would otherwise commit).
    with connection.constraint_checks_disabled(), transaction.atomic():
        for model, values in rows:
            model._base_manager.bulk_create([model(**v) for v in values])
        statements = connection.ops.sequence_reset_sql(no_style(), [m for m, _v in rows])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@pytest.fixture
def filler(demo):
    """The demo's 填报人 of 武汉市新洲区总工会 (xinzhou), signed in."""
    return signed_in("xinzhou")


@pytest.fixture
def reviewer(demo):
    """The 财政局 reviewer (czj_reviewer), who reviews the five demo departments, signed in."""
    return signed_in("czj_reviewer")


@pytest.fixture(scope="session", autouse=True)
def _media_of_this_run(tmp_path_factory):
    """Files a test writes without asking for ``media`` (kept PDFs of approved forms) go to a folder of
    this run's own, never var/media: a PDF kept by another run, on another database whose form has the
    same id and version, must not be served as this form's."""
    django_settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def media(settings, tmp_path):
    """Uploads and kept PDFs in a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with empty caches (sign-in throttling lives in the database and rolls back)."""
    from assessments.core import versions  # after Django is set up

    for cache in caches.all():
        cache.clear()
    # The version each process keeps for a few seconds would otherwise outlive the emptied cache
    # and change in the middle of the next test (every kept 通知 count recomputed at a random page).
    versions.ATTENTION.forget()
    versions.RECOUNT.forget()
    yield
    for cache in caches.all():
        cache.clear()
    versions.ATTENTION.forget()
    versions.RECOUNT.forget()
