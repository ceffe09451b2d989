"""Seeded synthetic tables for benchmarks and tests of wide data (the bundled CSVs are small).

Kept in one place so a benchmark's figure and the test that bounds the same work use the same
data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def sparse_linear_frame(p: int, n: int = 200, seed: int = 0) -> pd.DataFrame:
    """A random sparse linear-Gaussian DAG over ``x1..xp`` (about 1.5 parents per variable)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = np.zeros((n, p))
    for j in range(p):
        k = min(j, rng.poisson(1.5))
        for i in rng.choice(j, size=k, replace=False) if k else []:
            x[:, j] += rng.uniform(0.5, 1) * x[:, i]
        x[:, j] += rng.normal(size=n)
    return pd.DataFrame(x, columns=[f"x{i + 1}" for i in range(p)])


def chain_window_frame(columns: int, rows: int, seed: int = 0) -> pd.DataFrame:
    """Linear Gaussian over ``v0..``, each column caused by the three before it, standardised (no
    near-collinear columns down the chain): PC runs many CI tests on it."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    data = np.zeros((rows, columns))
    for j in range(columns):
        data[:, j] = rng.normal(size=rows)
        for k in range(max(0, j - 3), j):
            data[:, j] += 0.4 * data[:, k]
        data[:, j] /= data[:, j].std()
    return pd.DataFrame(data, columns=[f"v{j}" for j in range(columns)])
