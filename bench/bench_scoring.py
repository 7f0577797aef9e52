"""Benchmark (not a test): score 100,000 indicators through the pure rules module.

Run with `make bench` or `python bench/bench_scoring.py`. Prints rows per second for whole forms
(1,000 forms × 100 rows through rules.evaluate) and for 100,000 single quantitative scores.
"""
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assessments.domain import rules  # noqa: E402
from assessments.domain.schemes import shipped  # noqa: E402

FORMS, ROWS = 1_000, 100


def make_form(rng):
    rows = []
    for i in range(ROWS):
        kind = rng.random()
        if kind < 0.4:
            target, actual = f"≥{rng.randint(1, 500)}人", f"{rng.randint(0, 600)}人"
        elif kind < 0.6:
            target, actual = f"≤{rng.randint(100, 5000)}元/人", f"{rng.randint(50, 6000)}元/人"
        elif kind < 0.8:
            target, actual = "=100%", f"{rng.randint(80, 100)}.{rng.randint(0, 99):02d}%"
        else:
            target, actual = "满意", rng.choice(["满意", "满意", "基本满意"])
        band = "partial" if actual == "基本满意" else ""
        share = Decimal(60) if band else None
        rows.append(rules.IndicatorRow("产出指标", "数量指标", f"指标{i}", target, actual, Decimal("0.8"),
                                       band=band, share=share, reason="说明" if i % 3 else ""))
    executed = Decimal(rng.randint(800, 1000))
    return rules.Form(kind=rules.KIND_PROJECT, indicators=rows, budget=[
        rules.BudgetRow("total", initial=Decimal(1000), adjusted=Decimal(1000), executed=executed)])


def main():
    rng = random.Random(2024)
    scheme = shipped()["hubei-project"]
    forms = [make_form(rng) for _ in range(FORMS)]
    start = time.perf_counter()
    totals = [rules.evaluate(form, scheme).total for form in forms]
    elapsed = time.perf_counter() - start
    rows = FORMS * ROWS
    print(f"rules.evaluate: {rows:,} indicators in {FORMS:,} forms: {elapsed:.2f} s "
          f"({rows / elapsed:,.0f} indicators/s, {elapsed / FORMS * 1000:.2f} ms per 100-row form); "
          f"mean total {sum(totals) / len(totals):.2f}")

    triples = [(rng.choice([rules.GE, rules.LE, rules.EQ]), Decimal(rng.randint(0, 1000)),
                Decimal(rng.randint(0, 1200)), Decimal(20)) for _ in range(rows)]
    start = time.perf_counter()
    for comparator, a, b, w in triples:
        rules.quantitative_score(comparator, a, b, w)
    elapsed = time.perf_counter() - start
    print(f"rules.quantitative_score: {rows:,} calls: {elapsed:.2f} s ({rows / elapsed:,.0f} scores/s)")


if __name__ == "__main__":
    main()
