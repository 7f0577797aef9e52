"""A stress form: 60 indicators with 80-character names and 300-character reasons (issue 12)."""
from assessments.domain import interchange, rules, schemes

NAME = "服务对象满意度及项目实施过程中各项管理制度执行情况的规范性、完整性和有效性评价指标" * 2
REASON = ("因年度内政策调整和资金拨付时间推迟，部分帮扶对象的核实工作延后完成，导致该项指标的实际完成值低于年初目标值；"
          "下一步将加强与财政、人社等部门的沟通协调，提前做好帮扶对象的摸底和审核工作，建立月度调度机制，") * 3


def stress_document(count=60, *, scheme_key="national-2020"):
    """Return (document, evaluation, scheme) for a national project form with ``count`` long rows."""
    levels = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("效益指标", "社会效益指标"),
              ("满意度指标", "服务对象满意度指标")]
    indicators = []
    for i in range(count):
        level1, level2 = levels[min(i * len(levels) // count, len(levels) - 1)]
        indicators.append({"level1": level1, "level2": level2, "name": f"{i + 1:02d}{NAME[:78]}",
                           "target": "≥100人", "actual": "90人", "weight": "1.5", "reason": REASON[:300]})
    data = {
        "format": "assessment/1", "kind": rules.KIND_PROJECT, "fiscal_year": 2023, "scheme": scheme_key,
        "department": "某市总工会", "project": {"name": "职工书屋建设", "implementing_unit": "某市总工会"},
        "filled_by": {"name": "张三", "phone": "0311-1234567", "date": "2024-03-20"},
        "budget": [{"line": "total", "initial": "100", "adjusted": "100", "executed": "95"}],
        "indicators": indicators,
        "goals": {"expected": "完成职工书屋建设。", "achieved": "基本完成。"},
        "analysis": {"deviation_reasons": REASON[:300], "improvements": "加强管理。"},
    }
    shipped = schemes.shipped()
    document, errors = interchange.parse_document(data, schemes=shipped)
    assert not errors, errors
    scheme = shipped[scheme_key]
    return document, rules.evaluate(document.form(), scheme), scheme
