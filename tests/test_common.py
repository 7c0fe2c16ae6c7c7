"""scikit-learn's checks on every public estimator and function, found by discovery."""

import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.tests.test_public_functions import _check_function_param_validation
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

import sktrunc
import sktrunc.datasets
import sktrunc.landscape


def _public_estimators():
    """Every estimator class sktrunc exports, by name."""
    return sorted(
        (obj for name in sktrunc.__all__
         if inspect.isclass(obj := getattr(sktrunc, name)) and issubclass(obj, BaseEstimator)),
        key=lambda cls: cls.__name__)


def _public_functions():
    """Every function exported by sktrunc and its public submodules."""
    found = {}
    for module in (sktrunc, sktrunc.datasets, sktrunc.landscape):
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found[f"{module.__name__}.{name}"] = obj
    return sorted(found.items())


ESTIMATORS = [cls() for cls in _public_estimators()]

# Expected failures, per estimator class, each with the reason a maintainer would accept.
EXPECTED_FAILED_CHECKS = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def test_discovery_finds_the_estimators():
    names = {type(est).__name__ for est in ESTIMATORS}
    assert {"ClusteredTruncationClassifier", "SequentialSeparableClassifier",
            "ShallowBoundClassifier", "ShallowBoundRegressor", "OverparamInterpolator"} <= names


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda est: type(est).__name__)
def test_estimator_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("name, func", _public_functions(), ids=[n for n, _ in _public_functions()])
def test_public_function_param_validation(name, func):
    constraints = getattr(func, "_skl_parameter_constraints", None)
    assert constraints is not None, f"{name} does not validate its parameters (validate_params)"
    sig = inspect.signature(func)
    params = [p.name for p in sig.parameters.values()
              if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    required = [p.name for p in sig.parameters.values()
                if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    _check_function_param_validation(func, func.__name__, params, required, constraints)
