import subprocess
import sys

from sktrunc.__main__ import main
from sktrunc._compare import ESTIMATORS, compare


def test_compare_lists_every_estimator_with_finite_numbers():
    rows = compare(datasets=["iris", "make_clustered"], cv=3)
    assert {r["estimator"] for r in rows} == set(ESTIMATORS)
    for r in rows:
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


def test_main_prints_the_table(capsys):
    assert main(["compare", "--datasets", "wine", "--estimators", "ClusteredTruncation",
                 "NearestCentroid", "--cv", "3"]) == 0
    out = capsys.readouterr().out
    assert "wine (N=178, M=13, Q=3" in out and "ClusteredTruncation" in out


def test_module_entry_point_rejects_unknown_command():
    proc = subprocess.run([sys.executable, "-m", "sktrunc", "nonsense"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
