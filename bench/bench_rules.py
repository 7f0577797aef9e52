"""Benchmark (not a test): how fast ``rules.evaluate`` scores indicators, before and after a change.

    python bench/bench_rules.py [--before REV] [--rounds N]

Scores 1,000 forms × 100 indicator rows (the mix of bench_scoring.py: ≥ / ≤ / = / 定性 rows with
random figures, so most target/actual pairs are new to every cache) through the current
``assessments/domain/rules.py`` and through the one at git revision REV (default: ``BASELINE``,
rules.py as issue 14 measured it; else where HEAD left main), interleaved in the same process, and
prints indicators per second for each (best of N rounds, and the median). Time is the process's CPU
time: on a machine shared with other work, wall time measures the neighbours as much as the code.
Both read the same Form objects: the rules' dataclasses are read by attribute only. Then it profiles one round of the current code.
"""
import argparse
import cProfile
import importlib.util
import io
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assessments.domain import rules  # noqa: E402
from assessments.domain.schemes import shipped  # noqa: E402
from bench_scoring import FORMS, ROWS, make_form  # noqa: E402


def rules_at(revision):
    """Return rules.py as it was at ``revision``, imported as its own module."""
    source = subprocess.check_output(["git", "show", f"{revision}:assessments/domain/rules.py"], cwd=ROOT)
    path = Path("/tmp") / f"rules_{revision[:12]}.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location(f"rules_{revision[:12]}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while they are built
    spec.loader.exec_module(module)
    return module


# rules.py as issue 14 measured it (before it was split by RULES section and sped up).
BASELINE = "ee02856"


def _branch_point():
    """Return the baseline revision if this clone has it, else where HEAD left main, else None."""
    for command in (["git", "rev-parse", "--verify", "--quiet", f"{BASELINE}^{{commit}}"],
                    ["git", "merge-base", "HEAD", "main"], ["git", "merge-base", "HEAD", "origin/main"]):
        try:
            return subprocess.check_output(command, cwd=ROOT, text=True, stderr=subprocess.DEVNULL).strip()
        except (subprocess.CalledProcessError, FileNotFoundError):
            continue
    return None


def clear_caches(module):
    for name in ("parse_target", "read_values", "_read_figure"):
        cache_clear = getattr(getattr(module, name, None), "cache_clear", None)
        if cache_clear:
            cache_clear()


def one_round(module, forms, scheme):
    clear_caches(module)  # every round starts cold: the figures are new to the process
    start = time.process_time()
    totals = [module.evaluate(form, scheme).total for form in forms]
    return time.process_time() - start, totals


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=None, help="git revision of the rules to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    before_rev = args.before or _branch_point()
    import random

    rng = random.Random(2024)
    scheme = shipped()["hubei-project"]
    forms = [make_form(rng) for _ in range(FORMS)]
    rows = FORMS * ROWS
    modules = {f"before ({before_rev[:10]})": rules_at(before_rev)} if before_rev else {}
    modules["now"] = rules
    times = {name: [] for name in modules}
    totals = {}
    for _ in range(args.rounds):
        for name, module in modules.items():
            elapsed, totals[name] = one_round(module, forms, scheme)
            times[name].append(elapsed)
    same = len({tuple(t) for t in totals.values()}) == 1
    print(f"rules.evaluate, {rows:,} indicators in {FORMS:,} forms of {ROWS} rows, {args.rounds} rounds interleaved:")
    for name, spent in times.items():
        best, median = min(spent), statistics.median(spent)
        print(f"  {name:>22}: best {best:.2f} s ({rows / best:,.0f} indicators/s), "
              f"median {median:.2f} s ({rows / median:,.0f} indicators/s)")
    print(f"  same totals before and now: {'yes' if same else 'NO'}")

    profile = cProfile.Profile()
    clear_caches(rules)
    profile.enable()
    for form in forms:
        rules.evaluate(form, scheme)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(12)
    print("\nprofile of one round now (exclusive time, with the profiler's overhead):")
    print("\n".join(line for line in out.getvalue().splitlines() if "rules" in line or "ncalls" in line))


if __name__ == "__main__":
    main()
