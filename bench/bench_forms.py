"""How long reading a posted indicator table through its Django forms takes (entry/forms.py).

`python bench/bench_forms.py`: the indicator step read as the live figures, autosave and save read
it on every request, for tables of 30, 100 and 300 rows (one cell in ten unreadable). Measures,
never asserts.
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from assessments.core import formsteps  # noqa: E402
from assessments.domain import rules  # noqa: E402
from assessments.entry import wizard  # noqa: E402


def table(n):
    rows = []
    for i in range(n):
        rows.append({"level1": "产出指标", "level2": "数量指标", "name": f"指标{i}", "target": "≥100人",
                     "actual": "120人" if i % 10 else "一百二十人", "weight": "十" if i % 10 == 5 else "2",
                     "band": "", "share": "", "score": "", "source": "统计台账", "reason": ""})
    return rows


def main():
    step = next(s for s in formsteps.steps_for_kind(rules.KIND_PROJECT) if s.key == "indicators")
    print("| rows | read: median of 20 (fastest) |\n|---|---|")
    for n in (30, 100, 300):
        post = wizard.as_post(step, {"rows": table(n)})
        times = []
        for _ in range(20):
            start = time.perf_counter()
            wizard.read_step(step, post)
            times.append(time.perf_counter() - start)
        print(f"| {n} | {statistics.median(times) * 1000:.1f} ms ({min(times) * 1000:.1f} ms) |")


if __name__ == "__main__":
    main()
