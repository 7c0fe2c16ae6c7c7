import io
import subprocess
import sys

import pytest
from sklearn.neighbors import NearestCentroid
from sklearn.preprocessing import StandardScaler

import sktrunc._compare as cmp_module
from sktrunc.__main__ import main
from sktrunc._compare import DATASETS, ESTIMATORS, compare, format_table, max_folds


def test_compare_lists_every_estimator_with_finite_numbers():
    rows = compare(datasets=["iris", "make_clustered"], cv=2)
    assert [r["estimator"] for r in rows] == [name for name, _ in ESTIMATORS] * 2
    for r in rows:
        assert r["error"] is None
        assert 0.0 <= r["cv_accuracy"] <= 1.0 and r["fit_time"] >= 0
    ours = next(r for r in rows
                if r["dataset"] == "make_clustered" and r["estimator"] == "ClusteredTruncation")
    assert ours["train_l2_cost"] < 1e-20 and ours["train_accuracy"] == 1.0
    nc = next(r for r in rows if r["dataset"] == "iris" and r["estimator"] == "NearestCentroid")
    mine = next(r for r in rows
                if r["dataset"] == "iris" and r["estimator"] == "ClusteredTruncation")
    assert mine["train_accuracy"] >= nc["train_accuracy"]


def test_sequential_is_exact_where_clustered_is_not():
    rows = compare(datasets=["make_sequentially_separable"],
                   estimators=["ClusteredTruncation", "SequentialSeparable"], cv=3)
    by_name = {r["estimator"]: r for r in rows}
    assert by_name["SequentialSeparable"]["train_l2_cost"] < 1e-20
    assert by_name["ClusteredTruncation"]["train_l2_cost"] > 1e-3


def test_nonlinear_datasets_show_where_a_linear_model_fails():
    rows = compare(datasets=["xor"], estimators=["LogisticRegression", "SVC"], cv=3)
    by_name = {r["estimator"]: r["cv_accuracy"] for r in rows}
    assert by_name["LogisticRegression"] < 0.7 < 0.95 < by_name["SVC"]
    assert {"moons", "circles", "xor"} <= {name for name, *_ in DATASETS}


def test_main_prints_the_table_and_explains_its_columns(capsys):
    assert main(["compare", "--datasets", "wine", "--estimators", "ClusteredTruncation",
                 "NearestCentroid", "--cv", "3"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "wine (N=178, M=13, Q=3" in out and "ClusteredTruncation" in out
    for column in ("N, M, Q", "L2 cost/N", "train acc", "CV acc", "fit [s]", "params"):
        assert column in out.split("Columns:")[1]
    assert "3 stratified folds" in out
    # progress and timing go to stderr, so that --format rst > file holds only the table
    assert "rows are printed as they are computed" in captured.err and "Done in" in captured.err


class _FlushRecorder(io.StringIO):
    """A stdout that records what reached it at each flush, in order with other events."""

    def __init__(self, events):
        super().__init__()
        self.events = events

    def flush(self):
        if self.getvalue():
            self.events.append(("flushed", self.getvalue()))
            self.seek(0)
            self.truncate()


def test_rows_are_streamed_and_flushed_before_the_next_fit(monkeypatch):
    events = []

    def factory(name):
        def make():
            events.append(("fit", name))
            return NearestCentroid()
        return make

    monkeypatch.setattr(cmp_module, "ESTIMATORS", [("first", factory("first")),
                                                   ("second", factory("second"))])
    monkeypatch.setattr(sys, "stdout", _FlushRecorder(events))
    assert main(["compare", "--datasets", "iris", "--cv", "2"]) == 0
    sys.stdout.flush()
    kinds = [(kind, payload if kind == "fit" else payload.split()[0] if payload.split() else "")
             for kind, payload in events]
    first_row = next(i for i, (kind, payload) in enumerate(events)
                     if kind == "flushed" and payload.startswith("first "))
    first_fit_of_second = kinds.index(("fit", "second"))
    # the first estimator's row reached stdout before the second estimator was even built
    assert first_row < first_fit_of_second, kinds
    # and the dataset header before the first fit
    header = next(i for i, (kind, payload) in enumerate(events)
                  if kind == "flushed" and "iris (N=150" in payload)
    assert header < kinds.index(("fit", "first"))


def test_module_entry_point_rejects_unknown_command():
    proc = subprocess.run([sys.executable, "-m", "sktrunc", "nonsense"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


@pytest.mark.parametrize("argv, message", [
    (["--cv", "0"], "at least 2 folds"),
    (["--cv", "1"], "at least 2 folds"),
    (["--cv", "-3"], "at least 2 folds"),
    (["--cv", "three"], "not an integer"),
    (["--cv", "1000"], "at most 48 folds"),  # wine's smallest class has 48 samples
    (["--datasets", "iris", "--cv", "51"], "at most 50 folds"),
    (["--n-jobs", "0"], "0 jobs"),
    (["--n-jobs", "x"], "not an integer"),
    (["--datasets", "nonsense"], "invalid choice"),
    (["--format", "html"], "invalid choice"),
])
def test_invalid_arguments_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and message in err and "Traceback" not in err


def test_invalid_cv_is_a_usage_error_without_traceback_from_the_shell():
    proc = subprocess.run([sys.executable, "-m", "sktrunc", "compare", "--cv", "1000"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--cv" in proc.stderr and proc.stdout == ""


def test_max_folds_names_the_limiting_dataset():
    assert max_folds(["iris"]) == (50, "iris")
    assert max_folds() == (48, "wine")


def test_duplicated_names_give_one_row_each(capsys):
    assert main(["compare", "--datasets", "iris", "iris", "--estimators", "NearestCentroid",
                 "LinearSVC", "NearestCentroid", "--cv", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("iris (N=150") == 1
    assert [line.split()[0] for line in out.splitlines()
            if line.startswith(("NearestCentroid ", "LinearSVC "))] == ["NearestCentroid",
                                                                         "LinearSVC"]
    rows = compare(["iris", "iris"], ["NearestCentroid", "NearestCentroid"], cv=2)
    assert len(rows) == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"cv": 1}, "at least 2"),
    ({"cv": 2.5}, "at least 2"),
    ({"cv": 51}, "at most 50 folds"),
    ({"n_jobs": 0}, "nonzero"),
    ({"fmt": "html"}, "fmt must be one of"),
    ({"estimators": ["nonsense"]}, "unknown estimator"),
])
def test_compare_rejects_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare(["iris"], **{"estimators": ["NearestCentroid"], **kwargs})


def test_a_failing_estimator_gets_an_error_row_and_the_others_still_run(monkeypatch, capsys):
    class Broken(NearestCentroid):
        def fit(self, X, y):
            raise RuntimeError("cannot fit\nsecond line")

    monkeypatch.setattr(cmp_module, "ESTIMATORS", [("Broken", Broken),
                                                   ("NearestCentroid", NearestCentroid)])
    rows = compare(["iris"], cv=2, out=sys.stdout)
    out = capsys.readouterr().out
    assert rows[0]["error"] == "RuntimeError: cannot fit" and rows[1]["error"] is None
    assert "Broken" in out and "error: RuntimeError: cannot fit" in out


def test_verbose_reports_each_fit_and_its_warnings_on_stderr(capsys):
    assert main(["compare", "--datasets", "iris", "--estimators", "ClusteredTruncation",
                 "--cv", "2", "--verbose"]) == 0
    captured = capsys.readouterr()
    assert "[1/1] iris / ClusteredTruncation" in captured.err
    assert "AssumptionWarning" in captured.err  # iris is not clustered (ratio far above 1/4)
    assert "AssumptionWarning" not in captured.out


def test_rst_and_markdown_tables():
    docutils_core = pytest.importorskip("docutils.core")
    rows = compare(["iris", "xor"], ["NearestCentroid", "LinearSVC"], cv=2)
    rst = format_table(rows, fmt="rst", cv=2)
    # a valid document: any docutils warning is an error here
    doctree = docutils_core.publish_doctree(rst, settings_overrides={"halt_level": 2,
                                                                     "report_level": 5})
    from docutils import nodes

    tables = list(doctree.findall(nodes.table))
    assert len(tables) == 2
    for table in tables:
        assert not list(table.findall(nodes.bullet_list))  # "-" cells stay text
        cells = [entry.astext() for entry in table.findall(nodes.entry)]
        assert "-" in cells  # LinearSVC has no L2 cost
    assert rst.count("NearestCentroid ") == 2 and ":math:" in rst
    markdown = format_table(rows, fmt="markdown", cv=2)
    table_lines = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(table_lines) == 2 * (2 + 2)
    assert len({line.count("|") for line in table_lines}) == 1  # same number of cells
    # the streamed table is the formatted one
    streamed = io.StringIO()
    rows = compare(["iris", "xor"], ["NearestCentroid", "LinearSVC"], cv=2, out=streamed,
                   fmt="rst")
    assert streamed.getvalue() == format_table(rows, fmt="rst", cv=2) + "\n"


def test_explain_describes_the_layers(capsys):
    assert main(["explain", "--dataset", "wine"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("wine: N=178, M=13, Q=3")


def test_explain_refuses_an_estimator_without_layers(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explain", "--estimator", "SVC"])
    assert exc.value.code == 2 and "cannot describe its layers" in capsys.readouterr().err


@pytest.mark.parametrize("name", [
    "ClusteredTruncation", "SequentialSeparable", "ShallowBound",
])
@pytest.mark.filterwarnings("ignore::sktrunc.AssumptionWarning")  # wine is not clustered
def test_l2_column_is_eq_14_as_the_estimator_reports_it(name):
    # the column is computed independently (forward pass of network_ against targets_);
    # every estimator's training_cost_ is eq. (14) too, so the two must agree
    row = compare(["wine"], [name], cv=2)[0]
    X, y = cmp_module.load_dataset("wine")
    est = dict(ESTIMATORS)[name]().fit(StandardScaler().fit_transform(X), y)
    assert row["train_l2_cost"] * len(y) == pytest.approx(est.training_cost_, rel=1e-9,
                                                          abs=1e-12)


def test_two_runs_print_the_same_numbers():
    # the documentation's table must not change when it is regenerated without a code change
    def numbers(rows):
        return [(r["estimator"], r["train_l2_cost"], r["train_accuracy"], r["cv_accuracy"],
                 r["n_params"]) for r in rows]

    names = ["ClusteredTruncation", "SequentialSeparable"]
    assert numbers(compare(["xor"], names, cv=2)) == numbers(compare(["xor"], names, cv=2))
