"""The four-level causal benchmark: generated suites with known truth, the published format, scoring.

Modules:

* ``scm`` – random DAGs and SCMs (linear Gaussian / non-Gaussian, nonlinear ANM, discrete);
* ``generator`` – seeded suites and their files (``generate_suite``, ``write_suite``);
* ``questions`` – the ``Question`` model, phrasings (``TEMPLATES``) and balanced sampling;
* ``truth`` – ground truth from the true DAG / SCM (``GroundTruth``);
* ``reference`` – the fixed reference procedure on the data (``ReferenceProcedure``);
* ``published`` – the literature's JSON-lines format (``load_published``);
* ``scoring`` – ``score`` one answer, ``aggregate`` a run.

Names load lazily so ``import causal_agent_evals`` stays cheap.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "generate_suite": ("causal_agent_evals.generator", "generate_suite"),
    "write_suite": ("causal_agent_evals.generator", "write_suite"),
    "SuiteConfig": ("causal_agent_evals.generator", "SuiteConfig"),
    "SCM": ("causal_agent_evals.scm", "SCM"),
    "random_dag": ("causal_agent_evals.scm", "random_dag"),
    "build_scm": ("causal_agent_evals.scm", "build_scm"),
    "Question": ("causal_agent_evals.questions", "Question"),
    "QUESTION_TYPES": ("causal_agent_evals.questions", "QUESTION_TYPES"),
    "LEVELS": ("causal_agent_evals.questions", "LEVELS"),
    "GroundTruth": ("causal_agent_evals.truth", "GroundTruth"),
    "ReferenceProcedure": ("causal_agent_evals.reference", "ReferenceProcedure"),
    "load_published": ("causal_agent_evals.published", "load_published"),
    "score": ("causal_agent_evals.scoring", "score"),
    "aggregate": ("causal_agent_evals.scoring", "aggregate"),
    "Score": ("causal_agent_evals.scoring", "Score"),
    "Tolerance": ("causal_agent_evals.scoring", "Tolerance"),
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'causal_agent_evals' has no attribute {name!r}")
