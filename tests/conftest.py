"""Fixtures shared by every layer of the suite."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = SHARED / "spec" / "examples"


@pytest.fixture
def examples_dir():
    if not EXAMPLES.is_dir():
        pytest.skip(f"the worked examples are not beside the repository ({EXAMPLES})")
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
