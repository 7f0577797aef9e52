"""Year over year: one project's (or department's) forms side by side, indicator rows matched by
一级/二级/三级 name, changes marked, and each year's 改进措施 next to the following year's results,
so a reviewer sees whether they were carried out. Figures come from ``rules.evaluate``."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from assessments.domain import figures, rules
from assessments.core import selectors

NEW, DROPPED, CHANGED, SAME = "new", "dropped", "changed", "same"


@dataclass
class Cell:
    target: str = ""
    actual: str = ""
    score: str = ""
    missed: bool = False
    present: bool = False
    change: str = ""  # NEW, CHANGED (target differs from last year), DROPPED, SAME or "" (first year)
    previous_target: str = ""
    follow_up: str = ""  # missed last year: "已改进" or "仍未完成"

    @property
    def change_label(self) -> str:
        return {NEW: _("新增"), CHANGED: _("目标值变化"), DROPPED: _("本年未设")}.get(self.change, "")


@dataclass
class Row:
    level1: str
    level2: str
    name: str
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Year:
    year: int
    assessment: object
    status: str
    execution_rate: object
    total: object
    grade: str
    missed: int
    deviation_reasons: str
    improvements: str
    previous_improvements: str = ""  # last year's 改进措施, shown next to this year's results
    previous_year: int | None = None


@dataclass
class YearOverYear:
    years: list[Year]
    rows: list[Row]


def _meaning(text: str):
    """What a target says, so "≥95%" and "≥ 95 %" are the same target and "≥96%" is not."""
    try:
        target = rules.parse_target(text)
    except rules.TargetError:
        return text.strip()
    if target.is_qualitative:
        return target.text.strip()
    return target.comparator, target.value, target.unit


def _key_rows(document):
    """Return (key, row) pairs; a name repeated within one form is told apart by its occurrence."""
    seen: dict[tuple, int] = {}
    out = []
    for row in document.indicators:
        base = (row.level1.strip(), row.level2.strip(), row.name.strip())
        seen[base] = seen.get(base, 0) + 1
        out.append((base + (seen[base],), row))
    return out


def year_over_year(assessments) -> YearOverYear:
    """Return the forms (oldest first, one per year) side by side."""
    years: list[Year] = []
    keys: list[tuple] = []
    columns: list[dict] = []
    for a in assessments:
        document = selectors.assessment_document(assessment=a)
        evaluation = rules.evaluate(document.form(), a.rules_scheme())
        column = {}
        missed = 0
        for (key, row), result in zip(_key_rows(document), evaluation.indicators):
            flag = rules.target_missed(result)
            missed += flag
            column[key] = Cell(target=row.target, actual=row.actual, score=figures.score(result.score, ""),
                               missed=flag, present=True)
            if key not in keys:
                keys.append(key)
        columns.append(column)
        years.append(Year(
            year=a.fiscal_year.year, assessment=a, status=a.get_status_display(),
            execution_rate=evaluation.execution_rate, total=evaluation.shown_total, grade=evaluation.grade or "",
            missed=missed, deviation_reasons=document.analysis.get("deviation_reasons", ""),
            improvements=document.analysis.get("improvements", "")))
    for i in range(1, len(years)):
        years[i].previous_improvements = years[i - 1].improvements
        years[i].previous_year = years[i - 1].year
    rows = []
    for key in keys:
        row = Row(level1=key[0], level2=key[1], name=key[2] + (f"（{key[3]}）" if key[3] > 1 else ""))
        for i, column in enumerate(columns):
            cell = column.get(key, Cell())
            previous = columns[i - 1].get(key) if i else None
            if i:
                if not cell.present:
                    cell.change = DROPPED if previous is not None else ""
                elif previous is None:
                    cell.change = NEW
                elif _meaning(previous.target) != _meaning(cell.target):
                    cell.change, cell.previous_target = CHANGED, previous.target
                else:
                    cell.change = SAME
                if cell.present and previous is not None and previous.missed and cell.actual:
                    cell.follow_up = _("仍未完成") if cell.missed else _("已改进")
            row.cells.append(cell)
        rows.append(row)
    return YearOverYear(years=years, rows=rows)
