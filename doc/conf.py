"""Sphinx configuration for the sktrunc documentation.

Build with ``python -m pip install -e ".[doc]" && sphinx-build -W -b html doc doc/_build/html``.
The build and the pages it writes need no network: the theme's assets and MathJax are copied
into ``_static`` (``sphinx-mathjax-offline``), and nothing is fetched (no intersphinx).
"""

import re
import shutil
from pathlib import Path

import sphinx.ext.autosummary

import sktrunc

project = "sktrunc"
author = "The sktrunc developers"
copyright = "2026, The sktrunc developers"
release = sktrunc.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax 3 shipped inside a PyPI wheel and copied to _static/mathjax: maths renders offline
    # instead of showing raw TeX (it sets mathjax_path to the local copy).
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
# autosummary never deletes a page: a name that left the API would keep a stale, failing page
# from an earlier build.  The pages are build output (git-ignored), so start afresh.
shutil.rmtree(Path(__file__).parent / "generated", ignore_errors=True)
numpydoc_show_class_members = False
# ``compare_table.inc`` is included by which_estimator.rst, not a page of its own.
# sphinx-gallery's execution-time pages load DataTables and jQuery from CDNs: not written, and
# stale copies from older builds excluded.
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "*.inc",
                    "sg_execution_times.rst", "auto_examples/sg_execution_times.rst"]

# autosummary's one-line summaries end at the first ". " that is not a known abbreviation;
# our docstrings cite the papers ("App. E.2", "Thm. 2", "w.r.t. the weights"), which would cut
# the summary mid-phrase in the API tables.
sphinx.ext.autosummary.WELL_KNOWN_ABBREVIATIONS = (
    *sphinx.ext.autosummary.WELL_KNOWN_ABBREVIATIONS,
    "w.r.t.", "i.i.d.", "App.", "Thm.", "Prop.", "Sec.", "Fig.", "Figs.", "Eq.", "eq.", "Def.",
    "cf.",
)

# No intersphinx: nothing may be downloaded at build time.
templates_path = ["_templates"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "doc_module": ("sktrunc",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sktrunc": None},
    "write_computation_times": False,
}

# API pages: the "On this page" column lists ``fit``, ``predict``, ... rather than the
# class name repeated before each
toc_object_entries_show_parents = "hide"

html_theme = "pydata_sphinx_theme"
html_title = f"sktrunc {release}"
html_static_path = ["_static"]
html_css_files = ["sktrunc.css"]
html_theme_options = {
    # the header shows the top-level pages; the left sidebar the current section
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# no "Show source" links to raw .rst files
html_show_sourcelink = False
html_sidebars = {
    # single pages without sub-pages: give their width to the content
    "index": [],
    "install": [],
    "changelog": [],
}


_SKLEARN_REF = re.compile(r":ref:`(?:([^`<]+?)\s*<[^`>]+>|([^`]+))`")


def _unlink_sklearn_refs(app, what, name, obj, options, lines):
    """Inherited scikit-learn docstrings cite labels of scikit-learn's own user guide.

    Without intersphinx those labels do not exist here: keep their text, drop the link.
    """
    if getattr(obj, "__module__", "").startswith("sklearn"):
        lines[:] = [_SKLEARN_REF.sub(lambda m: f"{m[1] or m[2]} (scikit-learn user guide)", line)
                    for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_refs, priority=400)
