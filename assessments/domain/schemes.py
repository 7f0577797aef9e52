"""The scoring schemes (评分规则) the product ships, as plain data.

Migration 0002 loads these rows into ``ScoringScheme``; afterwards they are data an administrator
may edit, so a change here needs a new data migration to reach existing databases.
Each entry names the published table it was checked on (RULES.md).
"""
from decimal import Decimal

from assessments.domain import figures, rules

# How each jurisdiction prints its forms, as the published tables show them. Titles are patterns with
# {year}, {department} and {project}; "department_order" lists the blocks of the department report in
# print order: "report" (every section not printed elsewhere), "report:三、" (the sections whose
# title starts so), "budget", "key_tasks", "indicators", "components", "conclusion", "projects"
# (the department's project results, 石家庄 section 三), "base" (figures from the base data),
# "signature" (评价工作组, filled from the report section that names it) and "closing" (unit, date).
DEFAULT_OUTLINE = {
    "titles": {
        "project_self_assessment": "项目支出绩效自评表",
        "department_self_assessment": "部门整体支出绩效自评报告",
        "department_targets": "部门整体预算绩效目标表",
    },
    "subtitles": {
        "project_self_assessment": "（{year}年度）",
        "department_self_assessment": "（{year}年度）",
        "department_targets": "（{year}年度）",
    },
    "department_order": ["report", "base", "budget", "key_tasks", "indicators", "components", "conclusion",
                         "projects", "signature", "closing"],
    "captions": {
        "budget": "预算信息", "key_tasks": "年度重点任务", "indicators": "部门整体自评表", "components": "评分结果",
        "conclusion": "评价结论", "projects": "项目自评结果", "base": "部门基础数据计算的指标",
        "signature": "评价工作组人员名单及签字",
    },
    # 苏州 prints 分解目标 merged down the first column of 部门整体自评表 and no 二级指标 column.
    "indicator_goal_column": "",
}

OUTLINES = {
    "hubei-project": {
        "titles": {"project_self_assessment": "{year}年度{project}项目自评表"},
        "subtitles": {"project_self_assessment": ""},
    },
    "hebei-shijiazhuang": {
        "titles": {"department_self_assessment": "{department}部门{year}年度整体支出绩效自评报告"},
        "subtitles": {"department_self_assessment": ""},
        "department_order": ["report:一、", "report:二、", "report:三、", "projects", "base", "report:四、",
                             "conclusion", "report", "budget", "key_tasks", "indicators", "signature", "closing"],
        "captions": {"projects": "部门项目自评结果", "signature": "六、评价工作组人员名单及签字（姓名、工作单位、职务、职称）"},
    },
    "jiangsu-department": {
        "titles": {"department_self_assessment": "苏州市市级预算部门（单位）整体支出预算绩效自评报告",
                   "department_targets": "江苏省省级部门整体预算绩效目标表"},
        "subtitles": {"department_targets": "{year}年度"},
        "department_order": ["report", "base", "budget", "key_tasks", "indicators", "signature", "closing"],
        "captions": {"budget": "七、预算信息", "key_tasks": "八、年度重点任务", "indicators": "九、部门整体自评表"},
        "indicator_goal_column": "分解目标",
    },
    "wuhan-department": {
        "titles": {"department_self_assessment": "{department}整体支出绩效评价报告"},
        "department_order": ["report:一、", "report:二、", "base", "report:三、", "components", "report", "budget",
                             "key_tasks", "indicators", "projects", "signature", "closing"],
        "captions": {"components": "评分结果"},
    },
    "department-unscored": {
        "department_order": ["report:一、", "base", "report", "budget", "key_tasks", "indicators", "signature",
                             "closing"],
    },
}


def outline_for(key: str, stored: dict | None = None) -> dict:
    """Return the full print outline of a scheme: the defaults, then the shipped, then the stored one."""
    stored = stored if isinstance(stored, dict) else {}
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_OUTLINE.items()}
    for layer in (OUTLINES.get(key, {}) if not stored else {}, stored or {}):
        for k, v in layer.items():
            if isinstance(v, dict) and isinstance(merged.get(k), dict):
                merged[k].update(v)
            else:
                merged[k] = v
    return merged


NATIONAL_GRADES = [[figures.plain(threshold), label] for threshold, label in rules.NATIONAL_GRADE_SCALE]

SHIPPED_SCHEMES = [
    {
        # 财政部 2020 项目支出绩效自评表: 10 + 产出 50 / 效益 30 / 满意度 10.
        "key": "national-2020",
        "name": "全国通用（2020 项目支出绩效自评表）",
        "scored": True,
        "execution_weight": "10",
        "level1_weights": [["产出指标", "50"], ["效益指标", "30"], ["满意度指标", "10"]],
        "grade_scale": NATIONAL_GRADES,
        "components": [],
        "layout": "national",
    },
    {
        # 新洲 附件2: 预算执行 20 + 年度绩效目标 80; 满意度 filed under 效益指标.
        "key": "hubei-project",
        "name": "湖北省项目支出自评（20 + 80）",
        "scored": True,
        "execution_weight": "20",
        "level1_weights": [],
        "grade_scale": NATIONAL_GRADES,
        "components": [],
        "layout": "hubei",
    },
    {
        # 石家庄: 10-point execution, grades 优秀 85 / 良好 75 / 一般 60 / 较差.
        "key": "hebei-shijiazhuang",
        "name": "河北省石家庄市（执行 10 分，优秀 ≥ 85）",
        "scored": True,
        "execution_weight": "10",
        "level1_weights": [["产出指标", "50"], ["效益指标", "30"], ["满意度指标", "10"]],
        "grade_scale": [["85", "优秀"], ["75", "良好"], ["60", "一般"], ["0", "较差"]],
        "components": [],
        "layout": "national",
    },
    {
        # 苏州 部门整体自评表: deviations and reasons only, no scores.
        "key": "jiangsu-department",
        "name": "江苏省部门整体自评（只计偏差，不计分）",
        "scored": False,
        "execution_weight": None,
        "level1_weights": [],
        "grade_scale": [],
        "components": [],
        "layout": "jiangsu",
    },
    {
        # 新洲 附件1 评分结果: 投入 18 / 过程 28 / 产出 34 / 效果 20, 得分率 truncated.
        "key": "wuhan-department",
        "name": "武汉市部门整体支出绩效评价（投入/过程/产出/效果）",
        "scored": True,
        "execution_weight": None,
        "level1_weights": [],
        "grade_scale": NATIONAL_GRADES,
        "components": [["投入", "18"], ["过程", "28"], ["产出", "34"], ["效果", "20"]],
        "layout": "wuhan",
    },
    {
        # 江门 (Guangdong) publishes its department report as prose with a grade but no scored
        # table; the product keeps such a form unscored and lets the reviewer read the deviations.
        "key": "department-unscored",
        "name": "部门整体自评（通用，不计分）",
        "scored": False,
        "execution_weight": None,
        "level1_weights": [],
        "grade_scale": [],
        "components": [],
        "layout": "jiangsu",
    },
]

DEFAULTS = {
    "deviation_threshold": "10",
    "execution_threshold": "90",
    "total_weight": "100",
    "manual_level1": [],
    "execution_rounding": "deduction",
    "three_public_basis": "budget",
}


def to_rules(data: dict) -> rules.Scheme:
    """Return the pure ``rules.Scheme`` of one scheme's data (as stored or as shipped)."""
    merged = {**DEFAULTS, **data}

    def dec(value):
        return None if value is None else Decimal(str(value))

    return rules.Scheme(
        key=merged["key"],
        name=merged.get("name", ""),
        scored=bool(merged["scored"]),
        execution_weight=dec(merged["execution_weight"]),
        level1_weights=tuple((name, dec(w)) for name, w in merged["level1_weights"]),
        grade_scale=tuple((dec(t), label) for t, label in merged["grade_scale"]),
        deviation_threshold=dec(merged["deviation_threshold"]),
        execution_threshold=dec(merged["execution_threshold"]),
        total_weight=dec(merged["total_weight"]),
        components=tuple((name, dec(w)) for name, w in merged["components"]),
        manual_level1=tuple(merged["manual_level1"]),
        execution_rounding=merged["execution_rounding"],
        three_public_basis=merged["three_public_basis"],
        layout=merged["layout"],
        print_outline=outline_for(merged["key"], merged.get("print_outline")),
    )


def shipped() -> dict[str, rules.Scheme]:
    """Return the shipped schemes by key, without a database (for pure tests and tools)."""
    return {s["key"]: to_rules(s) for s in SHIPPED_SCHEMES}


def load_shipped(scheme_model) -> None:
    """Create every shipped scheme that is missing (migration 0002; tests after a flush)."""
    for data in SHIPPED_SCHEMES:
        values = {**DEFAULTS, **data}
        if "print_outline" in {f.name for f in scheme_model._meta.get_fields()}:
            values["print_outline"] = OUTLINES.get(data["key"], {})
        scheme_model.objects.get_or_create(key=values.pop("key"), defaults=values)
