"""scikit-learn's estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sktrunc import (
    ClusteredTruncationClassifier,
    OverparamInterpolator,
    SequentialSeparableClassifier,
    ShallowBoundClassifier,
    ShallowBoundRegressor,
)

# Each estimator with the settings the checks run on.
ESTIMATORS = [
    ClusteredTruncationClassifier(random_state=0),
    SequentialSeparableClassifier(),
    ShallowBoundClassifier(),
    # continuous targets: the least-squares output layer is the sound regressor (see its Notes)
    ShallowBoundRegressor(output_layer="lstsq"),
    OverparamInterpolator(random_state=0),
]

# Expected failures, per estimator class, each with the reason a maintainer would accept.
EXPECTED_FAILED_CHECKS = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
