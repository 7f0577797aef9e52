"""The one reader of typed input (domain/typed.py): each value or the Chinese message shown at its field."""
import datetime
from decimal import Decimal

import pytest

from assessments.domain import typed


def message(read, *args, **kwargs):
    with pytest.raises(typed.InputError) as refused:
        read(*args, **kwargs)
    return str(refused.value)


def test_amounts_keep_every_digit_and_refuse_what_the_column_cannot_hold():
    assert typed.amount(" 1,234.567891 ", label="全年执行数") == Decimal("1234.567891")
    assert typed.amount("-3", label="追加追减数", negative=True) == Decimal("-3")
    assert typed.amount(None, label="全年执行数") is None
    assert message(typed.amount, "-3", label="全年执行数") == "全年执行数不能为负数"
    assert message(typed.amount, "1.1234567", label="全年执行数") == "全年执行数最多保留 6 位小数"
    assert message(typed.amount, "1" * 15, label="全年执行数") == "全年执行数过大（应小于 100,000,000,000,000）"
    assert message(typed.amount, "31.2万", label="全年执行数") == "全年执行数“31.2万”不是数字"
    assert typed.amount("１２.５", label="全年执行数") == Decimal("12.5")  # full-width digits as typed on a Chinese keyboard


def test_a_float_is_refused_so_that_nothing_rounds_like_binary():
    assert message(typed.decimal, 99.975, label="分值", places=2) == "分值应为以字符串表示的数字"


def test_the_share_is_a_percentage_from_0_to_100():
    assert typed.share("100") == Decimal("100") and typed.share(None) is None
    assert message(typed.share, "100.01") == "得分比例应在 0 到 100 之间"
    assert message(typed.share, "-1") == "得分比例不能为负数"


def test_counts_dates_lengths_choices_and_figures():
    assert typed.count("35", label="在职人员数") == 35
    assert message(typed.count, "3.5", label="在职人员数") == "在职人员数最多保留 0 位小数"
    assert message(typed.count, "1000000000", label="编制数") == "编制数过大"
    assert typed.date("2025年3月5日", label="填报日期") == datetime.date(2025, 3, 5)
    assert typed.date(" ", label="填报日期") is None
    assert message(typed.date, "2025-02-30", label="填报日期").startswith("填报日期“2025-02-30”不是日期")
    assert message(typed.length, " 长长长 ", label="实施单位", max_length=2) == "实施单位不能超过 2 个字（现有 3 个）"
    assert message(typed.choice, "别的", {"部门预算项目": 1}) == "请从列表中选择"
    assert typed.figure(" ≥95% ", label="指标值") == "≥95%"
    assert message(typed.figure, "≥1.123456789%", label="指标值").startswith("指标值数值最多保留")
