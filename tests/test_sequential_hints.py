"""The first step's soft-margin hints of the greedy order search (_first_soft_hints)."""

import warnings

from sklearn.datasets import make_classification

from sktrunc import SequentialSeparableClassifier, _sequential


def _fit(monkeypatch, **params):
    """A fit on ten overlapping classes, and the candidates of every call of
    ``_first_soft_margins`` during it."""
    X, y = make_classification(800, 10, n_informative=8, n_classes=10,
                               n_clusters_per_class=1, random_state=0)
    fitted = []
    original = _sequential._first_soft_margins

    def record(X, labels, candidates, C):
        fitted.append(list(candidates))
        return original(X, labels, candidates, C)

    monkeypatch.setattr(_sequential, "_first_soft_margins", record)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = SequentialSeparableClassifier(random_state=0, **params).fit(X, y)
    return clf, fitted


def test_soft_margins_only_for_the_candidates_the_search_tries(monkeypatch):
    # ten overlapping classes: one prototype each is not sequentially separable, so
    # n_prototypes="auto" builds 2, 3, ... per class knowing that the data overlaps, and
    # their greedy search (which separates) asks for the first step's soft margin of one
    # candidate at a time.  Fitted for every prototype of every candidate at once, the
    # hints came in batches of 20, 30, 50 and 80 (2,000 x 20 with twenty classes: 3 s of
    # a 10 s fit); only the one-prototype constructions' batches (10) remain
    _, fitted = _fit(monkeypatch)
    assert max(len(c) for c in fitted) <= 10


def test_the_peel_fits_the_first_step_soft_margins_of_the_rest(monkeypatch):
    # one prototype per class, not separable: the search asks for the candidates it
    # tries, the soft-margin fallback for the others, each once, by the same route
    clf, fitted = _fit(monkeypatch, n_prototypes=1)
    assert not clf.separable_.all()
    asked = sorted(j for c in fitted for j in c)
    # the first candidate's hard-margin problem is tried before any hint (no
    # certificate yet): its soft margin comes from the peel's batch, with the rest
    assert asked == list(range(10))
