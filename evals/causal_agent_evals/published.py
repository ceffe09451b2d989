"""Loader for the literature's four-level benchmark files (JSON lines + headerless CSVs).

Each row has ``question_type``, ``variables`` (the column names of a headerless CSV),
``interest`` (for CIT/MULTCIT the conditioning variables follow the first two), ``file``, ``Q``,
``text``, ``gt`` and, for ATE, ``T0``/``T1``. Two quirks of the published files are repaired:

* **Independence labels in one fixed polarity.** For IT/CIT/MULTCIT "yes" always marks p < 0.05,
  i.e. *dependence*, whatever the wording: "Is A independent of B?", "Is there no correlation
  between A and B?", "Are A and B unrelated or dependent?" and "Is A correlated with B?" all carry
  the same label. The loader reads each question's own polarity with the planner's code
  (:func:`question_polarity`) and turns the label into the answer to the question as asked: flipped
  when yes means independent ("Is A independent of B?" with published "yes" becomes "no",
  :data:`FLIPPED_NOTE`), kept when yes means dependent (:data:`KEPT_NOTE`).
* **ATE question text.** ``Q`` repeats T0 where T1 is meant ("change from 0.2 to 0.2"); the
  ``T0``/``T1`` fields and ``text`` are right, so ``Q`` is rewritten to say T1.

The published labels are the output of a tool run on the data (PC / CI tests / econml), not the
truth of a known generating process, so they go into ``data_answer`` and ``truth`` stays None.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from causal_agent.errors import DataError, suggestion

from .questions import LEVELS, QUESTION_TYPES, Question
from .truth import as_asked

FLIPPED_NOTE = "independence label flipped"
KEPT_NOTE = "independence label kept"
ATE_TEXT_NOTE = "ATE question text repaired"
CAVEATS = [
    "Published IT/CIT/MULTCIT labels mark p < 0.05 (dependence) as 'yes' whatever the wording; each was put "
    "in its question's polarity, read by the planner's code (flipped where yes means independent).",
    "Published ATE questions repeat T0 where T1 is meant; the question text was rewritten with T1.",
    "Published labels are a tool's answer on the data, not the truth of a known model: they are scored "
    "as the reference answer; accuracy against the truth is not available.",
]

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_FROM_TO = re.compile(rf"(from\s+)({_NUM})(\s+to\s+)({_NUM})")


#: the tool whose verdict an independence row's label is read against
INDEPENDENCE_TOOL = "test_independence"


def make_planner() -> Any:
    """The offline planner over the installed plugins: the code that reads a question's polarity
    for the agent (``Planner.flip_for``), so the labels and the answers are read alike."""
    from causal_agent.planner import Planner
    from causal_agent.plugins import collect_registry, make_plugin_manager

    return Planner.from_registry(collect_registry(make_plugin_manager(())))


def question_polarity(question: str, variables: list[str], planner: Any, dataset: str = "data") -> str:
    """"independence" when yes means independent for ``question`` as asked, else "dependence".

    Decided by the planner's own reading (``flip_for`` of the independence tool: its first
    (in)dependence cue, negations such as "no correlation", either-or forms read by their first
    word), which is what the agent uses to put its verdict in the question's polarity.
    """
    flip = planner.flip_for(question, INDEPENDENCE_TOOL, {dataset: list(variables)})
    return "dependence" if flip else "independence"


def dataset_name(file: str, variables: list[str] | None) -> str:
    """The dataset name of one (file, variables) pair: the file stem, plus a short hash of the
    column names for a headerless file, so each naming of a reused file is its own dataset (and
    its own graph-memory keys) while one file's namings stay recognisable."""
    stem = Path(file).stem
    if not variables:
        return stem
    digest = hashlib.sha256("\x1f".join(variables).encode("utf-8")).hexdigest()[:6]
    return f"{stem}_{digest}"


def fix_ate_question(q: str, t0: float, t1: float) -> tuple[str, bool]:
    """Rewrite "from T0 to T0" as "from T0 to T1"; returns (text, changed)."""
    m = _FROM_TO.search(q)
    if m is None or t0 == t1:
        return q, False
    if float(m.group(4)) == float(t1):
        return q, False
    if float(m.group(4)) != float(t0):
        return q, False  # not the known quirk; leave the text alone
    start, end = m.span(4)
    return q[:start] + _fmt(t1) + q[end:], True


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and not isinstance(v, float) else repr(float(v))


def load_published(
    path_jsonl: str | Path, data_dir: str | Path, graphs_dir: str | Path | None = None, *, planner: Any = None
) -> list[Question]:
    """Read a published JSON-lines file into ``Question`` objects (labels in ``data_answer``).

    ``planner`` reads the polarity of independence questions (default: :func:`make_planner`,
    built only when the file has such rows)."""
    path = Path(path_jsonl)
    if not path.is_file():
        raise DataError(f"question file {str(path)!r} not found; pass the .jsonl file of the published benchmark")
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"data directory {str(data_dir)!r} not found; pass --data-dir with the benchmark's CSVs")
    gdir = Path(graphs_dir) if graphs_dir is not None else None
    out: list[Question] = []
    state: dict[str, Any] = {"planner": planner}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path.name} line {lineno} is not JSON ({exc.msg}); fix or remove the line") from None
        if not isinstance(row, dict):
            raise DataError(f"{path.name} line {lineno} is not a JSON object; each line must be one question")
        out.append(_question(row, f"{path.stem}-{lineno:04d}", data_dir, gdir, f"{path.name} line {lineno}", state))
    if not out:
        raise DataError(f"{path.name} has no questions; expected one JSON object per line")
    return out


def _question(row: dict[str, Any], qid: str, data_dir: Path, gdir: Path | None, where: str,
              state: dict[str, Any]) -> Question:
    for key in ("question_type", "variables", "file", "Q", "gt"):
        if key not in row:
            raise DataError(f"{where} has no {key!r} field; published rows need question_type, variables, file, Q, gt")
    qt = row["question_type"]
    if qt not in QUESTION_TYPES:
        raise DataError(f"{where}: unknown question_type {qt!r}." + suggestion(str(qt), QUESTION_TYPES, "type"))
    variables = [str(v) for v in row["variables"]]
    interest = [str(v) for v in row.get("interest") or []]
    unknown = [v for v in interest if v not in variables]
    if unknown:
        raise DataError(f"{where}: interest variable {unknown[0]!r} is not among the variables."
                        + suggestion(unknown[0], variables, "variable"))
    csv = data_dir / str(row["file"])
    if not csv.is_file():
        raise DataError(f"{where}: data file {row['file']!r} not found in {str(data_dir)!r}; check --data-dir")
    first = csv.open(encoding="utf-8").readline()
    if first and len(first.split(",")) != len(variables):
        raise DataError(f"{where}: {row['file']} has {len(first.split(','))} columns but {len(variables)} "
                        "variables are named; the row's 'variables' must name every column")
    question = str(row["Q"])
    notes: list[str] = []
    given: list[str] = []
    polarity = "positive"
    t0 = t1 = None
    gt = row["gt"]
    label: Any
    if qt in ("IT", "CIT", "MULTCIT"):
        if len(interest) < 2 or (qt != "IT" and len(interest) < 3):
            raise DataError(f"{where}: a {qt} row needs {'2' if qt == 'IT' else '3 or more'} interest variables")
        given = interest[2:]
        interest = interest[:2]
        if state["planner"] is None:
            state["planner"] = make_planner()
        polarity = question_polarity(question, variables, state["planner"], dataset_name(str(row["file"]), variables))
        gt_label = str(gt).strip().lower()
        if gt_label in ("yes", "no"):
            dependent = gt_label == "yes"  # published polarity: yes = p < 0.05
            label = as_asked(not dependent, polarity)
            note = FLIPPED_NOTE if polarity == "independence" else KEPT_NOTE
            notes.append(f"{note}: published '{gt_label}' ({'dependent' if dependent else 'independent'}, "
                         f"p {'<' if dependent else '>='} 0.05) is '{label}' for the question as asked "
                         f"(yes means {'independent' if polarity == 'independence' else 'dependent'})")
        else:
            label = _label(gt, where)
    elif qt in ("CAUSE", "Has-Collider", "Has-Confounder"):
        if len(interest) != 2:
            raise DataError(f"{where}: a {qt} row needs exactly 2 interest variables, got {len(interest)}")
        label = _label(gt, where)
    elif qt in ("CAUSALKG", "PARTIAL_CG"):
        label = _graph(str(gt), gdir, where, variables if qt == "CAUSALKG" else interest)
        if qt == "CAUSALKG" and not interest:
            interest = list(variables)
    else:  # ATE
        if len(interest) != 2 or "T0" not in row or "T1" not in row:
            raise DataError(f"{where}: an ATE row needs 2 interest variables (treatment, outcome) and T0, T1")
        t0, t1 = float(row["T0"]), float(row["T1"])
        try:
            label = float(gt)
        except (TypeError, ValueError):
            raise DataError(f"{where}: ATE label {gt!r} is not a number") from None
        question, changed = fix_ate_question(question, row["T0"], row["T1"])
        if changed:
            notes.append(f"{ATE_TEXT_NOTE}: the published text repeats T0={row['T0']} where T1={row['T1']} is meant")
    return Question(
        id=qid,
        question_type=qt,
        level=LEVELS[qt],
        dataset=str(row["file"]),
        variables=variables,
        interest=interest,
        given=given,
        text=str(row.get("text") or ""),
        question=question,
        polarity=polarity,  # type: ignore[arg-type]
        t0=t0,
        t1=t1,
        truth=None,
        truth_dag=None,
        data_answer=label,
        source="published",
        header=False,
        data_path=str(csv),
        notes=notes,
    )


def _label(gt: Any, where: str) -> str:
    label = str(gt).strip().lower()
    if label not in ("yes", "no", "uncertain"):
        raise DataError(f"{where}: label {gt!r} is not yes/no/uncertain")
    return label


def _graph(name: str, gdir: Path | None, where: str, expected_nodes: list[str]) -> dict[str, Any]:
    from causal_agent.graph import CausalGraph

    if gdir is None:
        raise DataError(f"{where}: graph label {name!r} needs the graphs folder; pass --graphs-dir")
    file = gdir / name
    if not file.is_file():
        raise DataError(f"{where}: graph file {name!r} not found in {str(gdir)!r}; check --graphs-dir")
    graph = CausalGraph.from_causallearn_text(file.read_text(encoding="utf-8"))
    missing = [n for n in graph.nodes if n not in expected_nodes]
    if expected_nodes and missing:
        raise DataError(f"{where}: graph {name} has node {missing[0]!r}, which the question does not ask about")
    return graph.to_json()
