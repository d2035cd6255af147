"""Docstrings: their examples run, and every parameter and attribute is documented."""

import doctest
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from numpydoc.docscrape import ClassDoc, FunctionDoc
from sklearn.base import BaseEstimator

import gmm_estimators
import gmm_estimators.model_selection

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(gmm_estimators.__path__, "gmm_estimators.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    for test in finder.find(module, name, globs={"np": np}):
        # Only the module's own objects, not what it imports.
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, (
        f"{results.failed} docstring example(s) failed in {name}"
    )


def _public_estimators():
    found = {}
    for package in (gmm_estimators, gmm_estimators.model_selection):
        for public in package.__all__:
            obj = getattr(package, public)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found[obj.__name__] = obj
    return [found[name] for name in sorted(found)]


ESTIMATORS = _public_estimators()


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_every_parameter_is_documented(estimator):
    documented = {
        p.name.split(":")[0].strip() for p in ClassDoc(estimator)["Parameters"]
    }
    names = set(inspect.signature(estimator.__init__).parameters) - {"self"}
    assert names <= documented, f"undocumented parameters: {sorted(names - documented)}"


def _fit_small(estimator):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(40, 2), rng.randn(40, 2) + 5])
    y = np.repeat([0, 1], 40)
    model = estimator()
    if isinstance(model.get_params().get("n_components"), int):
        model.set_params(n_components=min(model.get_params()["n_components"], 2))
    return model.fit(X, y)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_every_fitted_attribute_is_documented(estimator):
    model = _fit_small(estimator)
    documented = {
        a.name.split(":")[0].strip() for a in ClassDoc(estimator)["Attributes"]
    }
    fitted = {
        name for name in vars(model) if name.endswith("_") and not name.startswith("_")
    }
    assert fitted <= documented, (
        f"undocumented attributes: {sorted(fitted - documented)}"
    )


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_public_methods_document_their_parameters(estimator):
    for name, method in inspect.getmembers(estimator, inspect.isfunction):
        if name.startswith("_") or method.__qualname__.split(".")[0] not in {
            cls.__name__
            for cls in estimator.__mro__
            if cls.__module__.startswith("gmm")
        }:
            continue
        names = set(inspect.signature(method).parameters) - {"self"}
        documented = {
            p.name.split(":")[0].strip() for p in FunctionDoc(method)["Parameters"]
        }
        # *args/**kwargs are documented as *name.
        documented = {n.lstrip("*") for n in documented}
        missing = names - documented
        assert not missing, (
            f"{estimator.__name__}.{name}: undocumented {sorted(missing)}"
        )
