"""Regenerate the bundled example data: ``python -m causal_agent.examples.make_examples``.

``clinic.csv`` comes from a linear-Gaussian structural causal model (n = 2000, seed 7) chosen so
that PC can orient every edge from the data alone:

    age -> smoking <- stress          (v-structure orients both)
    smoking -> lung_cancer <- genetics, age -> lung_cancer
    smoking -> yellow_fingers, lung_cancer -> coughing

``patient_id`` is an identifier the profile leaves out of analysis. The true effect of smoking on
lung_cancer is 0.8 per unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import EXAMPLES_DIR

CLINIC_EDGES = {
    ("age", "smoking"): 0.6,
    ("stress", "smoking"): 0.7,
    ("smoking", "lung_cancer"): 0.8,
    ("genetics", "lung_cancer"): 0.9,
    ("age", "lung_cancer"): 0.5,
    ("smoking", "yellow_fingers"): 1.1,
    ("lung_cancer", "coughing"): 0.9,
}


def make_clinic(n: int = 2000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(0, 1, n)
    stress = rng.normal(0, 1, n)
    genetics = rng.normal(0, 1, n)
    smoking = 0.6 * age + 0.7 * stress + rng.normal(0, 1, n)
    lung = 0.8 * smoking + 0.9 * genetics + 0.5 * age + rng.normal(0, 1, n)
    yellow = 1.1 * smoking + rng.normal(0, 1, n)
    cough = 0.9 * lung + rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            "patient_id": np.arange(1, n + 1),
            "age": age.round(4),
            "stress": stress.round(4),
            "genetics": genetics.round(4),
            "smoking": smoking.round(4),
            "yellow_fingers": yellow.round(4),
            "lung_cancer": lung.round(4),
            "coughing": cough.round(4),
        }
    )


if __name__ == "__main__":
    make_clinic().to_csv(EXAMPLES_DIR / "clinic.csv", index=False)
    print("wrote", EXAMPLES_DIR / "clinic.csv")
