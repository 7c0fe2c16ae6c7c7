"""The documentation builds with warnings as errors, gallery examples executed."""

import os
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "doc"


def test_documentation_builds_without_warnings(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOC), str(tmp_path / "html")],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = (tmp_path / "html" / "auto_examples" / "plot_clustered.html").read_text()
    assert "training cost" in html  # the example ran and its output was captured
    assert (tmp_path / "html" / "generated" / "sktrunc.ClusteredTruncationClassifier.html").exists()
