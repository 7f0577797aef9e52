"""The import graph a newcomer can trust: no cycles, no hidden imports, the layer contracts kept.

These read the code, not the database: the graph is grimp's (the library import-linter runs on),
built from every import in the package, those inside functions included.
"""
import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "assessments"


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(PACKAGE, cache_dir=None)


def strongly_connected(nodes, edges_of):
    """Return the strongly connected components of more than one node (Tarjan, without recursion)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges_of(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(edges_of(succ)))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def a_cycle(component, edges_of):
    """One closed path through the component, to name in the failure (a → b → … → a)."""
    members = set(component)
    path, seen = [component[0]], {component[0]: 0}
    while True:
        following = sorted(m for m in edges_of(path[-1]) if m in members)
        step = next((m for m in following if m in seen), following[0])
        if step in seen:
            return " → ".join(path[seen[step]:] + [step])
        seen[step] = len(path)
        path.append(step)


def test_the_test_helper_finds_a_cycle_and_only_cycles():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    components = strongly_connected(edges, edges.__getitem__)
    assert components == [["a", "b", "c"]]
    assert a_cycle(components[0], edges.__getitem__) == "a → b → c → a"


def test_no_module_of_the_app_imports_itself_back_through_others(graph):
    cycles = strongly_connected(graph.modules, graph.find_modules_directly_imported_by)
    assert not cycles, "import cycles:\n" + "\n".join(
        a_cycle(c, graph.find_modules_directly_imported_by) for c in cycles)


def test_no_subpackage_imports_itself_back_through_others(graph):
    """The same one level up: web, publication, the features, core, models and domain as wholes."""
    def package(module):
        return ".".join(module.split(".")[:2])

    edges = {}
    for module in graph.modules:
        edges.setdefault(package(module), set()).update(
            package(m) for m in graph.find_modules_directly_imported_by(module) if package(m) != package(module))
    cycles = strongly_connected(edges, lambda p: edges.get(p, set()))
    assert not cycles, "subpackage cycles:\n" + "\n".join(a_cycle(c, lambda p: edges.get(p, set())) for c in cycles)


def hidden_imports(source):
    """Yield (line, text) of each import inside a function with no comment saying why.

    The comment stands at the end of the import's first line or on its own line just above it; a
    comment above a block of such imports covers every import of the block.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    commented = {token.start[0] for token in tokenize.generate_tokens(io.StringIO(source).readline)
                 if token.type == tokenize.COMMENT}
    in_function = [node for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for node in ast.walk(fn) if isinstance(node, (ast.Import, ast.ImportFrom))]
    import_lines = {n for node in in_function for n in range(node.lineno, node.end_lineno + 1)}
    for node in sorted(set(in_function), key=lambda n: n.lineno):
        if node.lineno in commented:
            continue
        above = node.lineno - 1
        while above in import_lines:
            above -= 1
        if above >= 1 and lines[above - 1].strip().startswith("#"):
            continue
        yield node.lineno, lines[node.lineno - 1].strip()


def test_the_hidden_import_finder_accepts_a_reason_and_names_the_rest():
    source = (
        "def f():\n"
        "    import os\n"
        "    import re  # loaded when needed: start-up time\n"
        "    # weasyprint takes half a second to load; only PDFs need it\n"
        "    import weasyprint\n"
        "    from weasyprint import (\n"
        "        HTML)\n"
        "    x = 1\n"
        "    import json\n"
        "import sys\n"
    )
    assert list(hidden_imports(source)) == [(2, "import os"), (9, "import json")]


def test_no_import_inside_a_function_without_a_comment_saying_why():
    """In the app, the settings and the gunicorn hooks (manage.py is Django's own template)."""
    found = []
    for path in sorted([*(ROOT / PACKAGE).rglob("*.py"), *(ROOT / "config").rglob("*.py"), ROOT / "gunicorn.conf.py"]):
        for line, text in hidden_imports(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert not found, ("imports inside functions with no comment saying why (move them to the top of the "
                       "module, or say on the line or the line above why they must wait):\n" + "\n".join(found))


def test_the_import_contracts_hold():
    """The contracts in pyproject.toml (scripts/test_all.sh runs them first too; this costs a second)."""
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
