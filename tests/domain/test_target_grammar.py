"""RULES §3.1: targets and actuals typed the way they are printed."""
from decimal import Decimal as D

import pytest

from assessments.domain import rules
from assessments.domain.rules import EQ, GE, LE, QUALITATIVE

TABLE = [
    ("≥50人", GE, "50", "人"), (">=50人", GE, "50", "人"), ("50人以上", GE, "50", "人"), ("不少于50人", GE, "50", "人"),
    ("≤4500元/人", LE, "4500", "元/人"), ("<=4500元/人", LE, "4500", "元/人"), ("4500元/人以下", LE, "4500", "元/人"),
    ("不超过4500元/人", LE, "4500", "元/人"), ("=100%", EQ, "100", "%"), ("100%", EQ, "100", "%"),
    ("≥100百分比", GE, "100", "%"), ("=300 人", EQ, "300", "人"), ("300人", EQ, "300", "人"),
    # Forms the published tables also use:
    ("＞＝５０人", GE, "50", "人"), ("≥５０％", GE, "50", "%"), ("≥ 1.5 万人", GE, "1.5", "万人"),
    ("95%以内", LE, "95", "%"), ("≧90%", GE, "90", "%"), ("=0%", EQ, "0", "%"), ("≥31,000人次", GE, "31000", "人次"),
    ("50人或以上", GE, "50", "人"), ("90%及以上", GE, "90", "%"), ("5天或以下", LE, "5", "天"), ("3次及以下", LE, "3", "次"),
]


@pytest.mark.parametrize("printed,comparator,value,unit", TABLE)
def test_printed_numeric_targets(printed, comparator, value, unit):
    target = rules.parse_target(printed)
    assert (target.comparator, target.value, target.unit) == (comparator, D(value), unit)
    assert target.text == printed  # the printed text is kept for the PDF


@pytest.mark.parametrize("printed", ["健全", "合理", "满意", "及时", "达成预期指标", "按计划完成"])
def test_qualitative_targets(printed):
    target = rules.parse_target(printed)
    assert target.comparator == QUALITATIVE and target.value is None and target.is_qualitative


def test_an_empty_target_is_an_error():
    with pytest.raises(rules.TargetError):
        rules.parse_target("  ")


def test_an_actual_written_with_a_comparator_means_its_number():
    actual = rules.parse_target("≥50")
    assert actual.value == 50
    assert not rules.units_differ(rules.parse_target("≥50人"), actual)  # a missing unit is not a mismatch


def test_units_that_differ_are_detected():
    assert rules.units_differ(rules.parse_target("≥50人"), rules.parse_target("50户"))
    assert rules.units_differ(rules.parse_target("=100%"), rules.parse_target("100人"))
    assert not rules.units_differ(rules.parse_target("≥100百分比"), rules.parse_target("100%"))
