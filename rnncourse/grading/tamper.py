"""The trusted half of tamper detection: runs in the nbgrader process, after the notebook ran.

``TamperCheck`` is added to ``nbgrader autograde``'s pipeline between Execute and SaveAutoGrades
(nbgrader_config.py). It reads the student's cells (every code cell that is not a locked cell of the
assignment with its original source) as Python syntax trees, and when one of them reaches for what the
tests rely on (``find_tampering``), every autograded test of the notebook gets a "TamperingDetected"
error first in its outputs, so it scores 0, and the feedback names the cell, the line and the rule.

It also removes ``execute_result`` outputs from autograded test cells: the course's tests never return
a value, and nbgrader reads a number there as partial credit (student code can emit one with
``sys.displayhook(5)`` while a test runs).

``RestoreCellMetadata`` runs first when nbgrader sanitizes a submission (before its own checks, which
stop grading the student with "There was an error processing assignment" on a cell that claims to be
graded without a known id, two cells with one id, or a test cell re-labelled "not graded"). Each cell's
nbgrader metadata is put back from the gradebook (flags, points); a cell whose id the gradebook does not
know, and every extra copy of a known id, becomes an ordinary student cell (scanned like any other).
"""
from __future__ import annotations

import ast

from nbformat.v4 import new_output
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

# Assigning to an attribute of these (or of a name bound to them) changes what the tests use.
PROTECTED_MODULES = {"numpy", "math", "builtins", "sys", "rnncourse", "unittest", "IPython", "ipykernel",
                     "nbgrader", "operator", "functools", "types"}
# Importing these gives ways around the tests (memory, frames, hooks, other processes, hidden code).
FORBIDDEN_IMPORTS = {"ctypes", "gc", "importlib", "inspect", "builtins", "threading", "_thread", "signal",
                     "atexit", "multiprocessing", "subprocess", "faulthandler", "marshal", "pickle", "dill",
                     "IPython", "ipykernel", "nbgrader", "rnncourse.grading", "sysconfig", "code", "codeop"}
FORBIDDEN_CALLS = {"exec", "eval", "compile", "setattr", "delattr", "globals", "vars", "__import__",
                   "get_ipython", "breakpoint", "locals"}
FORBIDDEN_ATTRIBUTES = {"settrace", "setprofile", "_getframe", "set_custom_exc", "events", "displayhook",
                        "excepthook", "addaudithook", "get_ipython", "register_post_execute", "set_hook",
                        "__globals__", "__code__", "__closure__", "__builtins__", "__subclasses__", "__dict__",
                        "__defaults__", "__kwdefaults__", "__setattr__", "__delattr__", "__import__",
                        "f_back", "f_globals", "f_locals", "f_builtins", "tb_frame", "gi_frame", "cr_frame",
                        "modules", "sys", "__self__", "__func__", "__wrapped__", "__getattribute__"}
ALLOWED_MAGICS = {"timeit", "time", "matplotlib"}


def _root(node):
    """The name at the root of a.b.c[...] (None when the root is not a plain name)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Subscript):
        return _dotted(node.value) + "[...]" + ("." + ".".join(reversed(parts)) if parts else "")
    return ".".join([getattr(node, "id", "?")] + list(reversed(parts)))


def module_aliases(sources):
    """{name: module} for every `import m [as name]` / `from m import name` in these cells."""
    aliases = {}
    for source in sources:
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Import):
                for a in node.names:
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def hidden_names(sources):
    """Names the trusted cells bind that start with one underscore (the hidden tests' variables)."""
    names = set()
    for source in sources:
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[0])
    return {n for n in names if n.startswith("_") and not n.startswith("__") and n != "_"}


def test_helpers(sources):
    """Functions and classes the trusted cells define at the top level (e.g. random_weights), which the tests call."""
    names = set()
    for source in sources:
        tree = _parse(source)
        names |= {n.name for n in (tree.body if tree else ()) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return names


def _global_bindings(tree):
    """(node, name) for every name a cell binds in the notebook's global scope (not inside a function)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node, node.name
            continue  # their bodies are local scopes (a `global` statement inside is reported below)
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node, node.id
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                yield node, a.asname or a.name.split(".")[0]
        if not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            stack.extend(ast.iter_child_nodes(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            for name in node.names:
                yield node, name


def _parse(source):
    from IPython.core.inputtransformer2 import TransformerManager  # magics -> get_ipython().run_line_magic(...)
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None  # a cell that does not parse cannot run either


def _is_allowed_magic(node):
    """get_ipython().run_line_magic('timeit', ...): harmless magics a student may leave in a cell."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("run_line_magic", "run_cell_magic")
            and isinstance(node.func.value, ast.Call) and getattr(node.func.value.func, "id", None) == "get_ipython"
            and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in ALLOWED_MAGICS)


def find_tampering(source, trusted_aliases, hidden, helpers=frozenset()):
    """[(line, what)] for everything in one student cell that reaches for what the tests rely on.

    trusted_aliases: {name: module} bound by the assignment's own cells (e.g. np -> numpy);
    hidden: the hidden tests' variable names (reading one means reading the expected answer);
    helpers: functions the assignment's cells define for the tests (redefining one changes the tests).
    """
    tree = _parse(source)
    if tree is None:
        return []
    redefined = [(getattr(n, "lineno", 0), f"redefines the tests' helper `{name}`")
                 for n, name in _global_bindings(tree) if name in helpers]
    aliases = dict(trusted_aliases)
    aliases.update(module_aliases([source]))
    protected = {n for n, m in aliases.items() if m.split(".")[0] in PROTECTED_MODULES} | {"__builtins__"}
    skip = {id(n.func) for n in ast.walk(tree) if _is_allowed_magic(n)}
    skip |= {id(n.func.value) for n in ast.walk(tree) if _is_allowed_magic(n)}
    skip |= {id(n.func.value.func) for n in ast.walk(tree) if _is_allowed_magic(n)}
    found = []

    def hit(node, what):
        found.append((getattr(node, "lineno", 0), what))

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for m in mods:
                if any(m == f or m.startswith(f + ".") for f in FORBIDDEN_IMPORTS):
                    hit(node, f"imports {m}")
            for a in node.names:
                bound = a.asname or a.name.split(".")[0]
                target = (a.name if a.asname else a.name.split(".")[0]) if isinstance(node, ast.Import) \
                    else f"{node.module}.{a.name}"
                if bound in trusted_aliases and trusted_aliases[bound] != target:
                    hit(node, f"rebinds `{bound}` (the tests' {trusted_aliases[bound]}) to {target}")
                if bound in hidden:
                    hit(node, f"rebinds the hidden tests' variable `{bound}`")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for t in targets:
                for sub in ast.walk(t):
                    if isinstance(sub, (ast.Attribute, ast.Subscript)) and isinstance(sub.ctx, (ast.Store, ast.Del)) \
                            and _root(sub) in protected:
                        hit(node, f"changes {_dotted(sub)}")
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, (ast.Store, ast.Del)) and (node.id in protected and node.id in trusted_aliases):
                hit(node, f"rebinds `{node.id}` (the tests' {trusted_aliases[node.id]})")
            elif node.id in hidden:
                hit(node, f"uses the hidden tests' variable `{node.id}`")
            elif node.id in FORBIDDEN_CALLS or node.id == "__builtins__":
                hit(node, f"uses {node.id}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in trusted_aliases or node.name in hidden:
                hit(node, f"rebinds `{node.name}`")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            hit(node, f"uses .{node.attr}")
    return sorted(set(found + redefined))


class TamperCheck(NbGraderPreprocessor):
    """Zero every autograded test of a notebook whose student cells tamper with the tests."""

    enabled = Bool(True)  # nbconvert runs a preprocessor only when enabled
    scan = Bool(True, help="Scan student cells for tampering (off only to test the in-kernel guard alone; "
                           "fake partial credit is removed either way).").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            source = {c.name: (c.locked, c.source) for c in notebook.source_cells}
            copies = {release_source(s) for locked, s in source.values() if locked}
        trusted, student = [], []
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            locked, original = source.get(grade_id, (False, None))
            # a deleted test cell that OverwriteCells put back starts with a commented notice
            restored = original is not None and cell.source.startswith("# This cell (id:") and cell.source.endswith(original)
            if locked and (cell.source == original or restored):
                trusted.append((i, grade_id, cell))
            elif cell.source not in copies:  # a copy of a released test cell runs no code of the student's
                student.append((i, grade_id, cell))
        tests = [c for _, _, c in trusted if c.metadata["nbgrader"].get("grade") and not c.metadata["nbgrader"].get("solution")]
        for cell in tests:  # nbgrader would read a number there as partial credit
            cell.outputs = [o for o in cell.outputs if o.output_type != "execute_result"]
        if not self.scan:
            return nb, resources
        aliases = module_aliases(c.source for _, _, c in trusted)
        hidden = hidden_names(c.source for _, _, c in trusted)
        helpers = test_helpers(c.source for _, _, c in trusted)
        findings = [f"cell {i + 1}{f' ({g})' if g else ''}, line {line}: {what}"
                    for i, g, cell in student for line, what in find_tampering(cell.source, aliases, hidden, helpers)]
        if findings:
            message = ("tampering detected, every autograded test of this notebook scores 0: "
                       + "; ".join(findings[:5]) + (f" (and {len(findings) - 5} more)" if len(findings) > 5 else ""))
            self.log.warning("%s / %s: %s", info["student"], info["notebook"], message)
            for cell in tests:
                cell.outputs.insert(0, new_output("error", ename="TamperingDetected", evalue=message,
                                                  traceback=[f"TamperingDetected: {message}"]))
        return nb, resources


def release_source(source):
    """A locked cell's source as released: without its ``### BEGIN/END HIDDEN TESTS`` block."""
    out, hidden = [], False
    for line in source.split("\n"):
        if "BEGIN HIDDEN TESTS" in line:
            hidden = True
        elif "END HIDDEN TESTS" in line:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


class RestoreCellMetadata(NbGraderPreprocessor):
    """Sanitizing step: every cell's nbgrader metadata as the gradebook has it, one cell per id."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            known = {c.name: (c.locked, c.source) for c in notebook.source_cells}
            points = {c.name: float(c.max_score) for c in notebook.grade_cells}
            solutions = {c.name for c in notebook.solution_cells}
            tasks = {c.name for c in notebook.task_cells}
        claims = {}
        for i, cell in enumerate(nb.cells):
            if "nbgrader" in cell.metadata:
                claims.setdefault(cell.metadata["nbgrader"].get("grade_id"), []).append(i)
        keep = {}
        for grade_id, cells in claims.items():
            if grade_id not in known:
                continue
            locked, original = known[grade_id]
            # of several copies, the one with the released (or original) source keeps the id
            as_released = [i for i in cells if nb.cells[i].source in (original, release_source(original))]
            keep[grade_id] = (as_released or cells)[0] if locked else cells[-1]
        for i, cell in enumerate(nb.cells):
            if "nbgrader" not in cell.metadata:
                continue
            md = cell.metadata["nbgrader"]
            grade_id = md.get("grade_id")
            if keep.get(grade_id) != i:
                why = "is not a cell of the assignment" if grade_id not in known else "is a second copy of that cell"
                self.log.warning("%s / %s: cell %d claims nbgrader id %r, which %s: graded as an ordinary cell",
                                 info["student"], info["notebook"], i + 1, grade_id, why)
                del cell.metadata["nbgrader"]
                continue
            restored = dict(grade=grade_id in points, solution=grade_id in solutions, locked=known[grade_id][0],
                            task=grade_id in tasks, schema_version=3)
            changed = {k: (md.get(k), v) for k, v in restored.items() if md.get(k) != v and k != "schema_version"}
            md.update(restored)
            if md["grade"]:
                if md.get("points") != points[grade_id]:
                    changed["points"] = (md.get("points"), points[grade_id])
                md["points"] = points[grade_id]
            else:
                md.pop("points", None)
            if changed:
                self.log.warning("%s / %s: cell %r had its nbgrader metadata changed (%s): restored",
                                 info["student"], info["notebook"], grade_id,
                                 ", ".join(f"{k} {old!r} -> {new!r}" for k, (old, new) in changed.items()))
        return nb, resources
