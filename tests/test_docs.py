"""The documentation builds with warnings as errors, gallery examples executed, offline."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sktrunc._compare import DATASETS, ESTIMATORS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"

# a page may link to a website, but must not *load* anything from one
CDN = re.compile(r"cdn\.|jsdelivr|cdnjs|unpkg\.com|https?://[^\"'\s]*mathjax", re.IGNORECASE)


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    # the doc extra; skip (not fail) where it is not installed
    for module in ("sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme",
                   "sphinx-mathjax-offline", "matplotlib"):
        pytest.importorskip(module, reason='needs the doc extra: pip install -e ".[doc]"')
    out = tmp_path_factory.mktemp("doc")
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(out / "doctrees"), str(DOC), str(out / "html")],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out / "html"


def test_documentation_builds_without_warnings(html):
    page = (html / "auto_examples" / "plot_clustered.html").read_text(encoding="utf-8")
    assert "training cost" in page  # the example ran and its output was captured
    for page in ("install", "user_guide", "changelog", "which_estimator", "why", "api"):
        assert (html / f"{page}.html").exists(), page


def test_no_page_loads_anything_from_the_network(html):
    pages = list(html.rglob("*.html"))
    assert len(pages) > 20
    offenders = {}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        bad = [m.group(0) for m in CDN.finditer(text)]
        # scripts, stylesheets and fonts from another host (links to websites are fine)
        bad += re.findall(r"<script[^>]*\bsrc=\"(?:https?:)?//[^\"]*\"", text)
        bad += re.findall(r"<link[^>]*\bhref=\"(?:https?:)?//[^\"]*\"", text)
        if bad:
            offenders[str(page.relative_to(html))] = bad[:3]
    assert not offenders, offenders


def test_maths_is_rendered_by_a_local_mathjax(html):
    page = (html / "clustered.html").read_text(encoding="utf-8")
    assert "\\(" in page or "\\[" in page  # the page has maths
    scripts = re.findall(r"<script[^>]*src=\"([^\"]*mathjax[^\"]*)\"", page, re.IGNORECASE)
    assert scripts and all(not s.startswith(("http:", "https:", "//")) for s in scripts), scripts
    assert all((html / s).is_file() for s in scripts)


def test_api_pages_list_inherited_methods(html):
    page = (html / "generated" / "sktrunc.ClusteredTruncationClassifier.html").read_text(
        encoding="utf-8")
    for method in ("fit", "predict", "decision_function", "truncate", "to_mlp", "describe",
                   "score", "get_params"):
        assert f'id="sktrunc.ClusteredTruncationClassifier.{method}"' in page, method


PAGES = sorted(p.stem for p in DOC.glob("*.rst") if p.stem != "sg_execution_times")
PRIVATE = re.compile(r"sktrunc\.(?:[a-z_]+\.)*_[a-z]\w*|SHALLOW\.md")


def _private_names(path):
    text = re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))
    return PRIVATE.findall(text)


@pytest.mark.parametrize("name", PAGES)
def test_pages_cite_no_private_names(html, name):
    # users read the docs: a private module, helper or internal note is nothing to rely on
    assert not _private_names(html / f"{name}.html")


def test_api_pages_cite_no_private_names(html):
    pages = list((html / "generated").glob("*.html"))
    assert len(pages) > 20
    offenders = {p.stem: found for p in pages if (found := _private_names(p))}
    assert not offenders, offenders


def test_comparison_table_in_the_docs_covers_the_registries():
    # refresh with: python -m sktrunc compare --format rst > doc/compare_table.inc
    table = (DOC / "compare_table.inc").read_text(encoding="utf-8")
    rows = {line.split()[0] for line in table.splitlines() if line[:1].isalpha()}
    missing = [name for name, *_ in ESTIMATORS if name not in rows]
    missing += [name for name, *_ in DATASETS if f"**{name}**" not in table]
    assert not missing, f"doc/compare_table.inc lacks {missing}: regenerate it"
