"""Bundled example datasets, made by ``make_examples.py`` with fixed seeds."""

from __future__ import annotations

from pathlib import Path

EXAMPLES_DIR = Path(__file__).parent


def example_path(name: str = "clinic") -> Path:
    """The path of a bundled example CSV (``clinic``: a linear-Gaussian smoking study)."""
    path = EXAMPLES_DIR / f"{name}.csv"
    if not path.is_file():
        known = sorted(p.stem for p in EXAMPLES_DIR.glob("*.csv"))
        raise FileNotFoundError(f"no bundled example {name!r}; known: {', '.join(known)}")
    return path
