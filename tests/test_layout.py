"""The package's layout rules (issue 12), checked on the source with ``ast``.

* no module above ``MAX_LINES`` lines;
* the engine (``gmm_estimators/_engine``) imports nothing of the estimator
  layer: only itself, ``covariance``, the standard library and the core
  dependencies;
* no import cycle among the package's modules (imports at module level);
* ``covariance`` imports nothing of the rest of the package;
* no comparison with the name of a covariance structure, a statistics form
  or a prior form outside ``gmm_estimators/covariance`` (code there asks the
  structure's objects instead of comparing kinds);
* no call of a private method defined in another module (``obj._name()``
  on anything but ``self``, ``cls`` or ``super()``, where no class of the
  calling module defines ``_name``).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import ast
import sys
from pathlib import Path

import pytest

import gmm_estimators
from gmm_estimators.covariance import available_covariance_types, get_covariance_model
from gmm_estimators.covariance._forms import DIAGONAL, MOMENTS, POOLED, WHITENED
from gmm_estimators.covariance._priors import prior_form_of

PACKAGE = Path(gmm_estimators.__file__).parent
MAX_LINES = 700

#: Top-level distributions the engine may import (besides the standard library).
ENGINE_DEPENDENCIES = {"numpy", "scipy", "sklearn", "joblib", "threadpoolctl"}
#: Optional back-ends the engine imports inside the functions that need them.
ENGINE_OPTIONAL = {"dask", "distributed"}


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    _module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if "__pycache__" not in path.parts
}


def _is_package(name):
    return MODULES[name].name == "__init__.py"


def _resolve(importer, node):
    """Package modules and external top-level names one import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        base = node.module
    else:
        package = importer if _is_package(importer) else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    targets = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        targets.append(submodule if submodule in MODULES else base)
    return targets


def _imports(name, *, top_level_only):
    """``(target, line)`` of every import in module ``name``."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    if top_level_only:
        nodes = []
        # Module-level statements, including those under if/try blocks.
        stack = list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                nodes.append(node)
            elif isinstance(node, (ast.If, ast.Try)):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    stack.extend(getattr(node, field, []))
            elif isinstance(node, ast.ExceptHandler):
                stack.extend(node.body)
    else:
        nodes = [
            node
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
        ]
    return [(target, node.lineno) for node in nodes for target in _resolve(name, node)]


def _package_graph(*, top_level_only):
    graph = {}
    for name in MODULES:
        edges = set()
        for target, _ in _imports(name, top_level_only=top_level_only):
            if target in MODULES and target != name:
                # Importing a submodule runs its packages' __init__ first; a
                # module importing one of its own ancestors needs nothing new.
                if not name.startswith(target + "."):
                    edges.add(target)
        graph[name] = edges
    return graph


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_the_package():
    # Guards against a checker that silently finds nothing to check.
    assert "gmm_estimators._engine._run" in MODULES
    assert "gmm_estimators.covariance._contract" in MODULES
    graph = _package_graph(top_level_only=False)
    assert "gmm_estimators._engine" in graph["gmm_estimators._base"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [
        ["a", "b", "c"]
    ]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_too_long(name):
    n_lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_LINES, (
        f"{MODULES[name].relative_to(PACKAGE.parent)} has {n_lines} lines; split "
        f"it along its concerns so that each module stays under {MAX_LINES}."
    )


# Modules of the package that import nothing of it: the engine may use them
# (the user's warnings point at the user's line through _warn.warn_user; the
# M-step raises the public DegenerateStepError).
_LEAF_UTILITIES = {"gmm_estimators._warn", "gmm_estimators.exceptions"}


def test_leaf_utilities_import_nothing_of_the_package():
    wrong = [
        f"{name}:{line} imports {target}"
        for name in sorted(_LEAF_UTILITIES)
        for target, line in _imports(name, top_level_only=False)
        if target.startswith("gmm_estimators")
    ]
    assert not wrong, "\n".join(wrong)


def test_engine_imports_only_itself_covariance_and_core_dependencies():
    allowed_top = ENGINE_DEPENDENCIES | ENGINE_OPTIONAL | set(sys.stdlib_module_names)
    wrong = []
    for name in MODULES:
        if not name.startswith("gmm_estimators._engine"):
            continue
        for target, line in _imports(name, top_level_only=False):
            if target.startswith("gmm_estimators."):
                ok = (
                    target.startswith(
                        ("gmm_estimators._engine", "gmm_estimators.covariance")
                    )
                    or target in _LEAF_UTILITIES
                )
            else:
                ok = target.partition(".")[0] in allowed_top
            if not ok:
                wrong.append(f"{name}:{line} imports {target}")
    assert not wrong, "the engine imports from above it:\n" + "\n".join(wrong)


def test_optional_engine_dependencies_are_imported_lazily():
    wrong = [
        f"{name}:{line} imports {target} at import time"
        for name in MODULES
        if name.startswith("gmm_estimators._engine")
        for target, line in _imports(name, top_level_only=True)
        if target.partition(".")[0] in ENGINE_OPTIONAL
    ]
    assert not wrong, "\n".join(wrong)


def test_covariance_imports_nothing_of_the_estimators():
    wrong = [
        f"{name}:{line} imports {target}"
        for name in MODULES
        if name.startswith("gmm_estimators.covariance")
        for target, line in _imports(name, top_level_only=False)
        if target.startswith("gmm_estimators.")
        and not target.startswith("gmm_estimators.covariance")
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    # Imports that run when a module is imported (module level, also under
    # if/try). A lazy import inside a function runs once every module is
    # loaded, so it cannot make an import fail.
    cycles = _cycles(_package_graph(top_level_only=True))
    assert not cycles, "import cycles among the package's modules:\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles
    )


def _kind_names():
    """Names of the structures and of their statistics, prior and spread forms."""
    names = set(available_covariance_types(aliases=True))
    names |= {form.name for form in (WHITENED, MOMENTS, DIAGONAL, POOLED)}
    for name in available_covariance_types():
        model = get_covariance_model(name)
        names.add(model.scatter.name)
        names.add(prior_form_of(model).name)
        names.add(model.own_spread.name)
    return names


#: Attributes that say which kind of structure or statistics an object holds.
KIND_ATTRIBUTES = {"scatter", "prior_family", "own_spread", "block_form"}


def _kind_comparisons(tree, names):
    def is_kind(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value in names
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(is_kind(element) for element in node.elts)
        return isinstance(node, ast.Attribute) and node.attr in KIND_ATTRIBUTES

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            is_kind(operand) for operand in [node.left, *node.comparators]
        ):
            yield node.lineno, ast.unparse(node)


def test_the_kind_check_finds_comparisons():
    tree = ast.parse("a = model.scatter is POOLED\nb = kind == 'diag'\nc = k == 1")
    assert [line for line, _ in _kind_comparisons(tree, {"diag"})] == [1, 2]


def test_no_comparison_of_covariance_kinds_outside_covariance():
    names = _kind_names()
    assert {"full", "VVV", "diag", "pooled"} <= names
    wrong = [
        f"{name}:{line}: {text}"
        for name, path in MODULES.items()
        if not name.startswith("gmm_estimators.covariance")
        for line, text in _kind_comparisons(
            ast.parse(path.read_text(encoding="utf-8")), names
        )
    ]
    assert not wrong, (
        "code outside gmm_estimators/covariance asks which kind of structure it "
        "holds; give the structure (or its form) a method instead:\n" + "\n".join(wrong)
    )


#: Private by convention only: the documented API of named tuples and
#: ``sys._getframe`` (the standard library's).
FOREIGN_PRIVATE_API = {"_replace", "_asdict", "_make", "_fields", "_getframe"}


def _private_calls_across_modules(tree):
    """``(line, text)`` of calls ``obj._name(...)`` that reach another module's class.

    A call on ``self``, ``cls`` or ``super()`` stays in the class hierarchy;
    a name that some class of this module defines is this module's own.
    """
    own = {
        node.name
        for cls in ast.walk(tree)
        if isinstance(cls, ast.ClassDef)
        for node in cls.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, owner = node.func.attr, node.func.value
        if not name.startswith("_") or name.startswith("__"):
            continue
        if isinstance(owner, ast.Name) and owner.id in {"self", "cls"}:
            continue
        if isinstance(owner, ast.Call) and ast.unparse(owner.func) == "super":
            continue
        if name in own or name in FOREIGN_PRIVATE_API:
            continue
        yield node.lineno, ast.unparse(node.func)


def test_the_private_call_check_finds_calls():
    tree = ast.parse(
        "class A:\n    def _mine(self):\n        other._mine(); self._x()\n"
        "estimator._n_parameters()\nsuper()._y()\nt._replace(a=1)"
    )
    assert [line for line, _ in _private_calls_across_modules(tree)] == [4]


def test_no_call_of_another_modules_private_method():
    wrong = [
        f"{name}:{line}: {text}()"
        for name, path in MODULES.items()
        for line, text in _private_calls_across_modules(
            ast.parse(path.read_text(encoding="utf-8"))
        )
    ]
    assert not wrong, (
        "these calls reach a private method of a class defined elsewhere; give "
        "it a public name or pass what it computes:\n" + "\n".join(wrong)
    )


PUBLIC_PACKAGES = (
    "gmm_estimators",
    "gmm_estimators.covariance",
    "gmm_estimators.datasets",
    "gmm_estimators.exceptions",
    "gmm_estimators.model_selection",
    "gmm_estimators.plotting",
)


def _public_callables():
    import importlib
    import inspect

    found = {}
    for package in PUBLIC_PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


PUBLIC = _public_callables()


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_class_and_function_has_examples(name):
    # The examples run as doctests (tests/test_docstrings.py).
    from numpydoc.docscrape import ClassDoc, FunctionDoc

    obj = PUBLIC[name]
    doc = ClassDoc(obj) if isinstance(obj, type) else FunctionDoc(obj)
    assert "".join(doc["Examples"]).strip(), f"{name} has no Examples section"
