"""assessment_import / assessment_export as INTERCHANGE.md specifies them, on a real database."""
import copy
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.models import (
    Assessment,
    AssessmentEvent,
    BudgetLine,
    Department,
    Indicator,
    Project,
)

pytestmark = pytest.mark.django_db


def export(*ids, **options):
    out = StringIO()
    call_command("assessment_export", *[str(i) for i in ids], format="json", stdout=out, **options)
    return json.loads(out.getvalue())


def table_snapshot():
    """Return every row a refused import must leave untouched."""
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Assessment, BudgetLine, Indicator, Department, Project, AssessmentEvent)
    }


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def example_files(examples_dir):
    return sorted(p for p in examples_dir.glob("*.json") if not p.name.endswith(".expected.json"))


def compare(expected, computed, where):
    """Assert that every key the expected file gives has the exported value."""
    for key, want in expected.items():
        if key == "problems":
            assert len(computed["problems"]) == want, (where, computed["problems"])
        elif key == "problems_paths_include":
            paths = [p["path"] for p in computed["problems"]]
            assert set(want) <= set(paths), (where, paths)
        elif isinstance(want, list):
            assert len(computed[key]) == len(want), (where, key)
            for i, (w, got) in enumerate(zip(want, computed[key])):
                for sub, value in w.items():
                    assert got[sub] == value, (where, f"{key}[{i}].{sub}", value, got[sub])
        elif isinstance(want, dict):
            for sub, value in want.items():
                assert computed[key][sub] == value, (where, f"{key}.{sub}", value, computed[key][sub])
        else:
            assert computed[key] == want, (where, key, want, computed[key])


def test_every_worked_example_imports_and_exports_its_published_figures(run_import, examples_dir):
    for path in example_files(examples_dir):
        code, out, err = run_import(path)
        assert code == 0, err
        assessment_id, kind, title = out.split(" ", 2)
        exported = export(int(assessment_id))
        assert exported["kind"] == kind
        expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
        compare(expected, exported["computed"], path.name)


def test_import_prints_one_line_per_file_with_id_kind_and_title(run_import, examples_dir, tmp_path):
    files = example_files(examples_dir)[:3]
    code, out, err = run_import(*files)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 3
    for line in lines:
        assessment_id, kind, title = line.split(" ", 2)
        assessment = Assessment.objects.get(pk=int(assessment_id))
        assert assessment.kind == kind
        assert assessment.title == title


def test_export_then_import_then_export_gives_an_equal_document(run_import, examples_dir, tmp_path):
    for path in example_files(examples_dir):
        code, out, err = run_import(path)
        assert code == 0, err
        first = export(int(out.split()[0]))
        again = write(tmp_path, "again.json", first)
        code, out2, err = run_import(again)
        assert code == 0, err
        assert out2.split()[0] == out.split()[0], "the draft of the same subject is replaced, not duplicated"
        assert export(int(out2.split()[0])) == first


def test_export_several_ids_gives_an_array_in_the_order_given_and_all_gives_every_one(run_import, examples_dir):
    code, out, _ = run_import(*example_files(examples_dir))
    ids = [int(line.split()[0]) for line in out.strip().splitlines()]
    several = export(ids[2], ids[0])
    assert [d["department"] for d in several] == [
        Assessment.objects.get(pk=ids[2]).department.name, Assessment.objects.get(pk=ids[0]).department.name,
    ]
    assert len(export(all=True)) == Assessment.objects.count() == len(ids)


def test_export_of_an_unknown_id_is_refused():
    with pytest.raises(CommandError, match="不存在"):
        export(999999)


def test_import_creates_department_year_and_project_once(run_import, examples_dir):
    run_import(examples_dir / "xinzhou-kunnan-2023.json", examples_dir / "xinzhou-laomoweiwen-2023.json")
    assert Department.objects.filter(name="武汉市新洲区总工会").count() == 1
    assert set(Project.objects.values_list("name", flat=True)) == {"困难职工帮扶", "劳模慰问"}
    project = Project.objects.get(name="困难职工帮扶")
    assert (project.category, project.attribute, project.type) == ("部门预算项目", "持续性项目", "常年性项目")


def test_import_refuses_to_overwrite_a_submitted_or_approved_assessment(run_import, examples_dir):
    path = examples_dir / "xinzhou-kunnan-2023.json"
    code, out, _ = run_import(path)
    assessment = Assessment.objects.get(pk=int(out.split()[0]))
    for status in (Assessment.Status.SUBMITTED, Assessment.Status.APPROVED):
        Assessment.objects.filter(pk=assessment.pk).update(status=status)
        before = table_snapshot()
        code, out, err = run_import(path)
        assert code == 1
        assert "不能被导入覆盖" in err
        assert table_snapshot() == before


BAD_CASES = [
    # (what is wrong, how to break the document, the path that must be named)
    ("执行数为负", lambda d: d["budget"][0].update(executed="-1"), "budget[0].executed"),
    ("金额不是数字", lambda d: d["budget"][0].update(initial="十万"), "budget[0].initial"),
    ("金额超过6位小数", lambda d: d["budget"][0].update(executed="0.30000000000000004"), "budget[0].executed"),
    ("单位不一致", lambda d: d["indicators"][0].update(actual="50户"), "indicators[0].actual"),
    ("数值指标填了文字", lambda d: d["indicators"][1].update(actual="基本符合"), "indicators[1].actual"),
    ("定性比例超出档次", lambda d: d["indicators"][2].update(band="achieved", share="70"), "indicators[2].share"),
    ("未知字段", lambda d: d["indicators"][0].update(colour="red"), "indicators[0].colour"),
    ("未知顶层字段", lambda d: d.update(extra=1), "extra"),
    ("未知评分规则", lambda d: d.update(scheme="mars-2020"), "scheme"),
    ("未知资金行", lambda d: d["budget"].append({"line": "bonus", "initial": "1"}), "budget[1].line"),
    ("资金行不平", lambda d: d["budget"].extend([
        {"line": "appropriation", "initial": "6", "adjusted": "6", "executed": "6"},
        {"line": "carryover", "initial": "3", "adjusted": "3", "executed": "3"},
    ]), "budget[0].initial"),
    ("年度不是整数", lambda d: d.update(fiscal_year="2023"), "fiscal_year"),
    ("缺少项目", lambda d: d.pop("project"), "project"),
    ("项目类别无效", lambda d: d["project"].update(category="随便"), "project.category"),
    ("日期格式", lambda d: d["filled_by"].update(date="2024/03/10"), "filled_by.date"),
]


@pytest.mark.parametrize("label,breaker,path", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_files_are_refused_with_their_path_and_nothing_is_written(run_import, examples_dir, tmp_path, label, breaker,
                                                                     path):
    good = json.loads((examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8"))
    bad = copy.deepcopy(good)
    breaker(bad)
    before = table_snapshot()
    code, out, err = run_import(write(tmp_path, "bad.json", bad))
    assert code == 1
    assert out == ""
    assert table_snapshot() == before
    if path is not None:
        assert f": {path}: " in err, err
    # Every line names the file, a path and a Chinese reason.
    for line in err.strip().splitlines():
        assert line.startswith(str(tmp_path / "bad.json") + ": ")


def test_budget_lines_that_do_not_add_up_name_the_three_numbers(run_import, examples_dir, tmp_path):
    bad = json.loads((examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8"))
    bad["budget"] += [
        {"line": "appropriation", "initial": "6", "adjusted": "6", "executed": "6"},
        {"line": "carryover", "initial": "3", "adjusted": "3", "executed": "3"},
    ]
    code, _, err = run_import(write(tmp_path, "bad.json", bad))
    assert code == 1
    assert "10.00" in err and "9.00" in err and "当年财政拨款 + 上年结转资金" in err


def test_several_files_are_accepted_or_refused_each_on_its_own(run_import, examples_dir, tmp_path):
    bad = json.loads((examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8"))
    bad["budget"][0]["executed"] = "-5"
    code, out, err = run_import(examples_dir / "xinzhou-laomoweiwen-2023.json", write(tmp_path, "bad.json", bad))
    assert code == 1
    assert len(out.strip().splitlines()) == 1
    assert Assessment.objects.count() == 1
    assert "budget[0].executed" in err


def test_a_json_number_is_read_as_the_exact_decimal_it_spells(run_import, examples_dir, tmp_path):
    text = (examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8")
    text = text.replace('"executed": "10"', '"executed": 9.975')  # a float would make this 9.9749999…
    path = tmp_path / "numbers.json"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_import(path)
    assert code == 0, err
    computed = export(int(out.split()[0]))["computed"]
    assert computed["execution"]["rate"] == "99.75"
    assert computed["execution"]["score"] == "19.95"  # 20 − ROUND_HALF_UP(0.05) on the printed rate


def test_a_file_that_is_not_json_is_refused(run_import, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    code, out, err = run_import(path)
    assert code == 1 and "JSON" in err and Assessment.objects.count() == 0


def test_submission_problems_do_not_block_import_but_are_exported(run_import, examples_dir, tmp_path):
    doc = json.loads((examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8"))
    doc["indicators"][0]["actual"] = "40人"  # 80% of the target: score below weight, a reason is due
    doc["indicators"][0]["weight"] = "25"  # and the weights no longer add up to 100
    code, out, err = run_import(write(tmp_path, "draft.json", doc))
    assert code == 0, err
    computed = export(int(out.split()[0]))["computed"]
    paths = {p["path"]: p["message"] for p in computed["problems"]}
    assert "indicators[0].reason" in paths
    assert "105" in paths["indicators"]
    assert computed["indicators"][0]["score"] == "20.00"  # 25 × 40/50
    assert computed["indicators"][0]["reason_required"] is True


def test_import_records_an_event_and_keeps_the_printed_and_parsed_target(run_import, examples_dir):
    code, out, _ = run_import(examples_dir / "xinzhou-kunnan-2023.json")
    assessment = Assessment.objects.get(pk=int(out.split()[0]))
    assert assessment.events.filter(type=AssessmentEvent.Type.IMPORTED).count() == 1
    row = assessment.indicators.get(order=0)
    assert row.target_text == "≥50人"
    assert (row.target_comparator, row.target_value, row.target_unit) == ("≥", 50, "人")
    assert (assessment.total_score, assessment.grade) == (100, "优")
