"""`manage.py assessment_import` ends with a Chinese message for any file, never a traceback, and
judges each file on its own: a bad file does not stop the good ones; the exit code says any failed."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from assessments.core import selectors
from assessments.models import Assessment

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def good_file(demo, tmp_path):
    """A valid project form, renamed so that importing it creates a new draft."""
    source = Assessment.objects.filter(kind="project_self_assessment", status="draft").first()
    data = selectors.assessment_export_json(assessment=source)
    data["project"]["name"] = "导入测试项目"
    path = tmp_path / "good.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _bad_files(tmp_path, good):
    data = json.loads(good.read_text(encoding="utf-8"))
    files = {
        "deep.json": ("[" * 100_000 + "]" * 100_000).encode(),
        "deep-object.json": ('{"a":' * 50_000 + "1" + "}" * 50_000).encode(),
        "digits.json": json.dumps({**data, "fiscal_year": 0}).replace('"fiscal_year": 0', '"fiscal_year": ' + "9" * 5000).encode(),
        "latin1.json": json.dumps(data, ensure_ascii=False).encode("utf-8").replace("导入".encode(), b"\xff\xfe"),
        "number.json": b"5",
        "string.json": b'"assessment"',
        "null.json": b"null",
        "empty-array.json": b"[]",
        "array-of-numbers.json": b"[1, 2]",
        "empty.json": b"",
        "nul.json": json.dumps({**data, "goals": {"expected": "a\u0000b"}}).encode(),
    }
    paths = []
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(path)
    return paths


def test_every_bad_file_gets_a_chinese_message_and_the_good_one_is_still_imported(run_import, good_file,
                                                                                 tmp_path):
    bad = _bad_files(tmp_path, good_file)
    before = Assessment.objects.count()
    code, out, err = run_import(*bad, good_file)
    assert code == 1
    assert "Traceback" not in err
    for path in bad:
        lines = [line for line in err.splitlines() if line.startswith(str(path) + ":")]
        assert lines, (path.name, err)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(lines)), lines  # said in Chinese
    assert "导入测试项目" in out
    assert Assessment.objects.count() == before + 1


def test_a_bad_file_first_does_not_stop_the_next(run_import, good_file, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    code, out, err = run_import(deep, good_file)
    assert code == 1 and "嵌套" in err and "导入测试项目" in out


def test_the_command_itself_never_prints_a_traceback(good_file, tmp_path):
    """Over a real process: exit code 1, one message per bad file, no traceback."""
    bad = _bad_files(tmp_path, good_file)
    if connection.vendor != "sqlite":
        pytest.skip("one database is enough for the process-level check")
    db = tmp_path / "cmd.sqlite3"
    # The migrated test database as committed (without the demo this test holds in its transaction):
    # what `manage.py migrate` would make, copied instead of migrated again.
    source, target = sqlite3.connect(connection.settings_dict["NAME"]), sqlite3.connect(db)
    source.backup(target)
    source.close()
    target.close()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run([sys.executable, "manage.py", "assessment_import", *map(str, bad)],
                            cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert len([line for line in result.stderr.splitlines() if line.startswith(str(tmp_path))]) >= len(bad)


def test_a_41_digit_actual_value_in_a_json_file_is_a_message_at_its_path(run_import, good_file, tmp_path):
    data = json.loads(good_file.read_text(encoding="utf-8"))
    data["indicators"][0]["actual"] = "1" * 41
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, err = run_import(path)
    assert code == 1 and "indicators[0].actual" in err and "过大" in err
