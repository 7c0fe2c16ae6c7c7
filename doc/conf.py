"""Sphinx configuration for the sktrunc documentation.

Build with ``python -m pip install -e ".[doc]" && sphinx-build -W -b html doc doc/_build/html``.
"""

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
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]

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
}

html_theme = "alabaster"
