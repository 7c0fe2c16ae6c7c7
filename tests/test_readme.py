"""Every Python snippet of the README runs as written."""

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_snippets():
    assert len(SNIPPETS) >= 2


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_readme_snippet_runs(index):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(SNIPPETS[index], f"README snippet {index}", "exec"), {})
