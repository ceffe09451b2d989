"""Eval reports: the per-level / per-sub-type table (terminal, JSON, Markdown), failure analysis,
and the comparison of two runs.

The figures come from ``scoring.aggregate`` over answers re-scored with the run's tolerance. Each
sub-type row also carries the published reference agent's accuracy (GPT-3.5 ReAct, re-scored from
its released outputs) as a comparison column: it was measured against the published labels, i.e.
against a tool's output on the data, so it compares with our "agreement with the reference"
figure more than with accuracy against the truth.

Failure analysis classifies every wrong answer of a sub-type, from the evidence in its record:

* ``error``: an exception;
* ``parser: tool``: the agent never called the tool the sub-type needs (the question was
  misunderstood: e.g. a collider question answered with ``direct_cause``);
* ``parser: arguments``: it called that tool with other variables / conditioning set / t0, t1;
* ``tool error``: that call, with the right arguments, failed (e.g. a PC graph with no consistent
  DAG extension, so no adjustment set);
* ``no answer``: the right call succeeded, yet nothing of the asked form came back;
* ``statistical limit``: the reference procedure is wrong too (the data, at this n and with these
  tests, cannot tell);
* ``beyond the equivalence class``: the answer is right about the true DAG but not about its CPDAG
  (e.g. LiNGAM orients edges PC leaves undirected): right if its extra assumption holds, as for
  linear non-Gaussian data, a lucky guess otherwise;
* ``tool semantics``: the right tool with the right arguments, yet it disagrees with the
  reference procedure while that one is right (the tools decide differently from PC + linear
  back-door).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from causal_agent.errors import DataError

from .questions import CLASS_QUESTION_TYPES, GRAPH_TYPES, LEVELS, QUESTION_TYPES, Question
from .scoring import TARGET_CAUSE_VS_CEILING, TARGET_WRONG, Row, Score, aggregate, score

#: the reference agent's published accuracy per sub-type (see the module docstring)
PUBLISHED_REFERENCE: dict[str, tuple[float | None, str | None]] = {
    "IT": (0.926, "92.6%"),
    "CIT": (0.994, "99.4%"),
    "MULTCIT": (1.0, "100%"),
    "CAUSE": (0.895, "89.5%"),
    "Has-Collider": (0.974, "97.4%"),
    "Has-Confounder": (0.946, "94.6%"),
    "Has-Direct-Confounder": (None, None),  # not a published type
    "CAUSALKG": (0.818, "81.8%"),
    "PARTIAL_CG": (0.916, "91.6%"),
    "ATE": (15 / 16, "15/16"),
    "Mediates": (None, None), "NIE": (None, None), "NDE": (None, None),  # not published types
    "Causes-Of": (None, None), "Effects-Of": (None, None), "Total-Cause": (None, None), "Z-Role": (None, None),
    "Causal-Association": (None, None),
}
PUBLISHED_NOTE = (
    "Published column: the literature's reference agent (GPT-3.5 ReAct, one example in the prompt), "
    "re-scored from its released outputs against the published labels (a tool's answer on the data, "
    "with inverted independence labels); it took at least 3 model calls per edge question."
)
CAUSES = ("error", "parser: tool", "parser: arguments", "tool error", "no answer", "statistical limit",
          "beyond the equivalence class", "tool semantics")
ANALYSIS_THRESHOLD = 0.99
MAX_EXAMPLES = 25
#: the tools a sub-type is meant to be answered with (failure analysis: "parser: tool"); the first
#: is the one the offline planner must pick (``planner_check.EXPECTED_TOOL``)
EXPECTED_TOOLS: dict[str, tuple[str, ...]] = {
    "IT": ("test_independence", "d_separation"),
    "CIT": ("test_independence", "d_separation"),
    "MULTCIT": ("test_independence", "d_separation"),
    "CAUSE": ("direct_cause",),
    "Has-Collider": ("shared_collider",),
    "Has-Confounder": ("shared_confounder",),
    "Has-Direct-Confounder": ("shared_confounder",),  # with direct=True (``_args_match``)
    "CAUSALKG": ("discover_graph",),
    "PARTIAL_CG": ("discover_graph",),
    "ATE": ("estimate_effect",),
    "Mediates": ("mediation",), "NIE": ("mediation",), "NDE": ("mediation",),
    "Causes-Of": ("causes_of",), "Effects-Of": ("effects_of",), "Total-Cause": ("causes",),
    "Z-Role": ("adjustment_advice",), "Causal-Association": ("explain_association",),
}


class TypeFigures(Row):
    """A sub-type's row plus the published comparison figure."""

    level: str = ""
    published_reference: float | None = None
    published_reference_text: str | None = None


class FailureCase(BaseModel):
    id: str
    cause: str
    question: str
    expected: Any = None
    given: Any = None
    reference: Any = None
    scm_kind: str | None = None
    tools: list[str] = Field(default_factory=list)
    args: dict[str, Any] | None = None
    error: str | None = None


class TypeFailures(BaseModel):
    """Why a sub-type's answers were wrong."""

    question_type: str
    n: int
    n_wrong: int
    accuracy: float | None
    target: str  # "truth" or "reference" (published suites have no truth)
    causes: dict[str, int]
    examples: list[FailureCase]  # the parser cases first (they are the actionable ones)


class EvalReport(BaseModel):
    """A run's report; ``types`` names each sub-type code with its figures."""

    suite: str
    suite_key: str
    model: str
    results_file: str
    meta: dict[str, Any] = Field(default_factory=dict)
    caveats: list[str] = Field(default_factory=list)
    types: dict[str, TypeFigures]
    levels: dict[str, Row]
    overall: Row
    failures: dict[str, TypeFailures] = Field(default_factory=dict)
    #: generated suites: accuracy against the truth per SCM kind and sub-type ("all" = every type)
    by_kind: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    #: the issue's targets (see :func:`targets`), filled by ``build_report``
    targets: dict[str, bool | None] = Field(default_factory=dict)
    published_note: str = PUBLISHED_NOTE

    def save(self, path: str | Path) -> Path:
        p = Path(path).expanduser()
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.model_dump_json(indent=1), encoding="utf-8")
        return p

    @classmethod
    def load(cls, path: str | Path) -> EvalReport:
        p = Path(path).expanduser()
        if not p.is_file():
            raise DataError(f"report {str(p)!r} not found; pass a JSON file written with --report")
        try:
            return cls.model_validate_json(p.read_text(encoding="utf-8"))
        except ValueError:
            raise DataError(f"{str(p)!r} is not an eval report; pass a JSON file written with --report") from None


# ---------------------------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------------------------


def build_report(result: Any) -> EvalReport:
    """The report of a ``RunResult`` (records re-scored with its tolerance)."""
    scores = result.scores()
    agg = aggregate(scores)
    types: dict[str, TypeFigures] = {}
    for code in QUESTION_TYPES:
        pub, text = PUBLISHED_REFERENCE[code]
        types[code] = TypeFigures(**agg.by_type[code].model_dump(), level=LEVELS[code],
                                  published_reference=pub, published_reference_text=text)
    by_id = {q.id: q for q in result.suite.questions}
    failures = analyse_failures([by_id[r.id] for r in result.records], result.records, scores)
    stats = result.stats
    by_kind: dict[str, dict[str, float | None]] = {}
    kinds = sorted({q.scm_kind for q in result.suite.questions if q.scm_kind})
    for kind in kinds:
        ks = [s for s, r in zip(scores, result.records, strict=True) if by_id[r.id].scm_kind == kind]
        kagg = aggregate(ks)
        by_kind[kind] = {code: kagg.by_type[code].accuracy for code in QUESTION_TYPES}
        by_kind[kind]["all"] = kagg.overall.accuracy
    meta = {
        "n_questions": len(result.suite.questions),
        "n_results": len(result.records),
        "workers": stats.workers,
        "refute_simulations": result.options.refute_simulations,
        "tolerance": result.options.tolerance.model_dump(),
        "base_url": result.options.base_url,
        "suite_config": result.suite.config,
        "suite_cached": result.suite.cached,
        "suite_cache_dir": result.suite.cache_dir,
        "timing": {
            "wall_s": round(stats.wall_s + result.suite.prepare_s, 2),
            "suite_prepare_s": round(result.suite.prepare_s, 2),
            "answer_s": round(stats.run_s, 2),
            "worker_startup_s": stats.worker_startup_s,
            "answered_now": stats.n_new,
            "skipped_from_file": stats.n_skipped,
            "errors_now": stats.n_errors,
            "question_latency": stats.latency_summary(),
            "latency_by_type": stats.latency_by_type_summary(),
        },
    }
    rep = EvalReport(
        suite=result.suite.name,
        suite_key=result.suite.key,
        model=result.options.model,
        results_file=result.results_file,
        meta=meta,
        caveats=list(result.suite.caveats),
        types=types,
        levels=agg.by_level,
        overall=agg.overall,
        failures=failures,
        by_kind=by_kind,
    )
    rep.targets = targets(rep)
    return rep


def _norm(name: Any) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def _args_match(q: Question, tool: str, args: dict[str, Any]) -> bool:
    """Did the call ask what the question asks (names compared loosely)?"""
    qt = q.question_type
    pair = [_norm(v) for v in q.interest[:2]]
    if qt in ("IT", "CIT", "MULTCIT"):
        xy = sorted([_norm(args.get("x")), _norm(args.get("y"))])
        given = sorted(_norm(v) for v in args.get("given") or [])
        return xy == sorted(pair) and given == sorted(_norm(v) for v in q.given)
    if qt == "CAUSE":
        return [_norm(args.get("x")), _norm(args.get("y"))] == pair
    if qt == "Has-Collider":
        return sorted([_norm(args.get("x")), _norm(args.get("y"))]) == sorted(pair)
    if qt in ("Has-Confounder", "Has-Direct-Confounder"):
        direct = bool(args.get("direct")) == (qt == "Has-Direct-Confounder")
        return direct and sorted([_norm(args.get("x")), _norm(args.get("y"))]) == sorted(pair)
    if qt == "PARTIAL_CG":
        return sorted(_norm(v) for v in args.get("variables") or []) == sorted(_norm(v) for v in q.interest)
    if qt == "CAUSALKG":
        var = args.get("variables")
        return not var or sorted(_norm(v) for v in var) == sorted(_norm(v) for v in q.variables)
    if qt in ("Mediates", "NIE", "NDE"):  # interest: treatment, outcome, mediator
        want = {"Mediates": ("through", "share"), "NIE": ("through", "share"), "NDE": ("direct", "fully")}[qt]
        return ([_norm(args.get("treatment")), _norm(args.get("outcome")), _norm(args.get("mediator"))]
                == [_norm(v) for v in q.interest[:3]] and args.get("question", "through") in want)
    if qt in ("Causes-Of", "Effects-Of"):
        return _norm(args.get("variable")) == _norm(q.interest[0]) and not args.get("direct")
    if qt == "Total-Cause":
        return [_norm(args.get("x")), _norm(args.get("y"))] == pair
    if qt == "Causal-Association":
        return sorted([_norm(args.get("a")), _norm(args.get("b"))]) == sorted(pair)
    if qt == "Z-Role":  # interest: treatment, outcome, the variable asked about
        return ([_norm(args.get("treatment")), _norm(args.get("outcome")), _norm(args.get("variable"))]
                == [_norm(v) for v in q.interest[:3]])
    if qt == "ATE":
        try:
            t0, t1 = float(args.get("t0", 0)), float(args.get("t1", 1))
        except (TypeError, ValueError):
            return False
        return ([_norm(args.get("treatment")), _norm(args.get("outcome"))] == pair
                and t0 == float(q.t0 if q.t0 is not None else 0) and t1 == float(q.t1 if q.t1 is not None else 1))
    return True


def classify(q: Question, record: Any, s: Score) -> str:
    """The likely cause of one wrong answer (see the module docstring)."""
    if record.error:
        return "error"
    calls = [st for st in record.steps if st.tool in EXPECTED_TOOLS[q.question_type]]
    if not calls:
        return "parser: tool"
    if not _args_match(q, calls[-1].tool, calls[-1].args):
        return "parser: arguments"
    if calls[-1].status == "error":
        return "tool error"
    if not s.answered:
        return "no answer"
    if s.correct is not None and q.data_answer is not None and _reference_score(q) is False:
        return "statistical limit"
    if s.correct_dag:
        return "beyond the equivalence class"
    return "tool semantics"


def _reference_score(q: Question) -> bool | None:
    """Is the reference procedure's answer right against the truth?"""
    if q.truth is None or q.data_answer is None:
        return None
    given: dict[str, Any]
    if isinstance(q.data_answer, dict):
        given = {"graph": q.data_answer}
    elif isinstance(q.data_answer, (int, float)):
        given = {"effect": {"estimate": q.data_answer}}
    else:
        given = {"answer": q.data_answer}
    return score(q, given).correct


def analyse_failures(questions: list[Question], records: list[Any], scores: list[Score],
                     threshold: float = ANALYSIS_THRESHOLD) -> dict[str, TypeFailures]:
    """For each sub-type below ``threshold`` (against the truth, or the reference when there is no
    truth), count the causes of its wrong answers and keep examples, parser cases first."""
    out: dict[str, TypeFailures] = {}
    for code in QUESTION_TYPES:
        idx = [i for i, q in enumerate(questions) if q.question_type == code]
        if not idx:
            continue
        has_truth = any(scores[i].correct is not None for i in idx)
        target = "truth" if has_truth else "reference"
        verdicts = [scores[i].correct if has_truth else scores[i].agrees_reference for i in idx]
        judged = [v for v in verdicts if v is not None]
        if not judged:
            continue
        acc = sum(judged) / len(judged)
        if acc >= threshold:
            continue
        causes = dict.fromkeys(CAUSES, 0)
        cases: list[FailureCase] = []
        for i, ok in zip(idx, verdicts, strict=True):
            if ok is None or ok:
                continue
            q, r, s = questions[i], records[i], scores[i]
            cause = classify(q, r, s) if has_truth else _classify_published(q, r, s)
            causes[cause] += 1
            call = next((st for st in reversed(r.steps) if st.tool in EXPECTED_TOOLS[code]), None)
            cases.append(FailureCase(
                id=q.id, cause=cause, question=q.question, expected=_short(q.truth if has_truth else q.data_answer),
                given=_short(s.given), reference=_short(q.data_answer), scm_kind=q.scm_kind, tools=[st.tool for st in r.steps],
                args=call.args if call else None, error=r.error,
            ))
        order = {c: k for k, c in enumerate(CAUSES)}
        parser_first = {"parser: tool": -2, "parser: arguments": -1}
        cases.sort(key=lambda c: (parser_first.get(c.cause, order[c.cause]), c.id))
        out[code] = TypeFailures(question_type=code, n=len(judged), n_wrong=len(judged) - sum(judged),
                                 accuracy=acc, target=target, causes={k: v for k, v in causes.items() if v},
                                 examples=cases[:MAX_EXAMPLES])
    return out


def _classify_published(q: Question, record: Any, s: Score) -> str:
    """Without a truth, a disagreement with the published label is parser or tool semantics."""
    cause = classify(q, record, s)
    return "tool semantics" if cause == "statistical limit" else cause


def _short(value: Any) -> Any:
    """Graphs as their edge list text, floats rounded: readable in Markdown."""
    if isinstance(value, dict) and "edges" in value:
        return "; ".join(f"{e['source']} {e.get('type', '-->')} {e['target']}" for e in value["edges"]) or "(no edges)"
    if isinstance(value, float):
        return round(value, 4)
    return value


# ---------------------------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------------------------


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _num(v: float | None, fmt: str = "{:.2f}") -> str:
    return "–" if v is None else fmt.format(v)


COLUMNS = (
    ("n", "n"), ("truth", "truth"), ("dag", "DAG"), ("ref", "ref"), ("cw", "conf.wrong"),
    ("unc", "uncert."), ("f1", "F1"), ("shd", "SHD"), ("ci", "CI cov"),
    ("calls", "calls"), ("lat", "p50 lat"), ("err", "errors"), ("pub", "published"),
)
LEGEND = (
    "truth: accuracy against the truth (CPDAG of the true DAG; true SCM for ATE) · DAG: against the true DAG "
    "itself (fair for DAG-valued answers such as LiNGAM's) · ref: agreement with the reference procedure (PC α=0.05, "
    "linear back-door) · conf.wrong: yes/no contradicting a yes/no truth · uncert.: 'uncertain' answers · "
    "F1/SHD: skeleton F1 and SHD vs the true CPDAG · CI cov: ATE intervals covering the true effect · "
    "calls: mean model calls · p50 lat: median seconds per question · published: the literature's reference agent"
)


EDGE_COLUMNS = ("type", "n", "right", "uncertain", "conf. wrong", "ceiling right", "ceiling uncertain",
                "ceiling wrong", "right / ceiling", "agrees with class truth", "target")


def targets(report: EvalReport) -> dict[str, bool | None]:
    """The issue's targets: confidently wrong (vs the true DAG) ≤ 5 % on every edge type asked, and
    direct-cause "right" ≥ 90 % of the ceiling's (None: not measurable in this run)."""
    rows = [report.types[t] for t in CLASS_QUESTION_TYPES if t in report.types and report.types[t].n_dag]
    cause = report.types.get("CAUSE")
    return {
        "wrong_at_most_5pct_every_edge_type": all(bool(r.meets_wrong_target) for r in rows) if rows else None,
        "cause_right_at_least_90pct_of_ceiling": (
            None if cause is None or cause.right_vs_ceiling is None else cause.right_vs_ceiling >= TARGET_CAUSE_VS_CEILING),
    }


def edge_table(report: EvalReport) -> list[list[str]]:
    """Per edge type, against the true DAG: right / uncertain / confidently wrong, the ceiling
    (answers read off the true CPDAG) beside it, and agreement with the class truth."""
    out = []
    for code in CLASS_QUESTION_TYPES:
        r = report.types.get(code)
        if r is None or not r.n_dag:
            continue
        target = "wrong ≤ 5%: " + ("met" if r.meets_wrong_target else "MISSED")
        if code == "CAUSE" and r.right_vs_ceiling is not None:
            target += "; right ≥ 90% of ceiling: " + ("met" if r.right_vs_ceiling >= TARGET_CAUSE_VS_CEILING else "MISSED")
        out.append([code, str(r.n_dag), _pct(r.right_dag_rate), _pct(r.uncertain_dag_rate), _pct(r.wrong_dag_rate),
                    _pct(r.ceiling_right_rate), _pct(r.ceiling_uncertain_rate), _pct(r.ceiling_wrong_rate),
                    _pct(r.right_vs_ceiling), _pct(r.accuracy), target])
    return out


def _cells(row: Row, published: str | None = None) -> list[str]:
    return [
        str(row.n), _pct(row.accuracy), _pct(row.accuracy_dag), _pct(row.reference_agreement), _pct(row.confidently_wrong_rate),
        _pct(row.uncertain_rate), _num(row.mean_skeleton_f1), _num(row.mean_shd, "{:.1f}"), _pct(row.ci_coverage),
        _num(row.mean_model_calls, "{:.1f}"), _num(row.median_latency_s, "{:.3f}s"), _pct(row.error_rate),
        published or "",
    ]


def _table_rows(report: EvalReport) -> list[tuple[str, str, list[str]]]:
    """(style, label, cells) in display order: each level, then its sub-types; overall last."""
    rows: list[tuple[str, str, list[str]]] = []
    for level, lrow in report.levels.items():
        rows.append(("level", level, _cells(lrow)))
        for code, t in report.types.items():
            if t.level == level:
                rows.append(("type", code, _cells(t, t.published_reference_text)))
    rows.append(("overall", "overall", _cells(report.overall)))
    return rows


def render_table(report: EvalReport, console: Any = None) -> Any:
    """Print the table with rich; returns the ``Table``."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    timing = report.meta.get("timing", {})
    title = (f"{report.suite} · {report.model} · {report.meta.get('n_results', '?')}/{report.meta.get('n_questions', '?')}"
             f" questions · {timing.get('wall_s', '?')} s")
    table = Table(title=title, show_lines=False)
    table.add_column("level / type", no_wrap=True)
    for key, header in COLUMNS:
        table.add_column(header, justify="right", no_wrap=True)
    for style, label, cells in _table_rows(report):
        if style == "level":
            table.add_row(f"[bold]{label}[/bold]", *[f"[bold]{c}[/bold]" for c in cells], end_section=False)
        elif style == "overall":
            table.add_section()
            table.add_row("[bold]overall[/bold]", *[f"[bold]{c}[/bold]" for c in cells])
        else:
            table.add_row(f"  {label}", *cells)
    console.print(table)
    console.print(f"[dim]{LEGEND}[/dim]")
    edges = edge_table(report)
    if edges:
        et = Table(title="edge questions against the true DAG (ceiling: answers read off the true CPDAG)")
        for col in EDGE_COLUMNS:
            et.add_column(col, justify="left" if col in ("type", "target") else "right", no_wrap=col != "target")
        for cells in edges:
            et.add_row(*cells)
        console.print(et)
    for c in report.caveats:
        console.print(f"[yellow]note:[/yellow] {c}")
    return table


def to_markdown(report: EvalReport) -> str:
    """The report as Markdown: header facts, caveats, the table, timing, failure analysis."""
    m = report.meta
    timing = m.get("timing", {})
    lines = [
        f"# Eval report: {report.suite} suite, model `{report.model}`",
        "",
        f"- questions: {m.get('n_results')} answered of {m.get('n_questions')} (suite key `{report.suite_key}`)",
        f"- workers: {m.get('workers')}; DoWhy refuter simulations: {m.get('refute_simulations')}; "
        f"ATE tolerance: {m.get('tolerance', {}).get('rel', 0.1):.0%} relative + {m.get('tolerance', {}).get('abs', 0.05)} absolute",
        f"- run time: {timing.get('wall_s')} s wall (suite {'loaded from cache' if m.get('suite_cached') else 'prepared'} "
        f"in {timing.get('suite_prepare_s')} s; answering {timing.get('answer_s')} s; "
        f"{timing.get('answered_now')} answered now, {timing.get('skipped_from_file')} taken from the results file)",
        f"- results file: `{report.results_file}`",
        "",
    ]
    if report.caveats:
        lines += ["## Caveats", ""] + [f"- {c}" for c in report.caveats] + [""]
    lines += [
        "## Results by level and sub-type",
        "",
        LEGEND + ".",
        "",
        "Accuracy *vs truth* scores against the process that generated the data (the true DAG / SCM);"
        " *vs reference* is agreement with the fixed reference procedure on the data (PC at α = 0.05 with the"
        " matching CI test, linear back-door). Graph rows: exact CPDAG match, mean skeleton F1 and SHD against"
        " the CPDAG of the true DAG. ATE: within tolerance; CI coverage of the true effect.",
        "",
        "| level / type | " + " | ".join(h for _, h in COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for style, label, cells in _table_rows(report):
        name = f"**{label}**" if style != "type" else label
        cells = [f"**{c}**" if style != "type" and c else c for c in cells]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"_{report.published_note}_", ""]
    edges = edge_table(report)
    if edges:
        met = targets(report)
        lines += ["## Edge questions against the true DAG", "",
                  "*Right* = the true DAG's answer; *uncertain* = the answer 'uncertain'; *conf. wrong* = a yes/no"
                  " contradicting the true DAG. The *ceiling* scores the answers read off the true CPDAG (what"
                  " observational data identify at best, without extra assumptions) the same way. *Agrees with class"
                  " truth* = the answer equals the CPDAG's. Targets: confidently wrong ≤"
                  f" {TARGET_WRONG:.0%} on every edge type; direct-cause right ≥ {TARGET_CAUSE_VS_CEILING:.0%} of the"
                  " ceiling's.", "",
                  "| " + " | ".join(EDGE_COLUMNS) + " |", "|---|" + "---:|" * (len(EDGE_COLUMNS) - 2) + "---|"]
        lines += ["| " + " | ".join(cells) + " |" for cells in edges]
        lines += ["", "- confidently wrong ≤ 5% on every edge type: "
                  + {True: "**met**", False: "**missed**", None: "not measured"}[met["wrong_at_most_5pct_every_edge_type"]],
                  "- direct-cause right ≥ 90% of the ceiling's: "
                  + {True: "**met**", False: "**missed**", None: "not measured"}[met["cause_right_at_least_90pct_of_ceiling"]],
                  ""]
    graph_rows = [(c, report.types[c]) for c in GRAPH_TYPES if c in report.types and report.types[c].n]
    if graph_rows:
        lines += ["## Graphs", "",
                  "Skeleton F1 against the true CPDAG (the same skeleton as the true DAG); arrow F1: the answer's"
                  " arrowheads (a --> b, a o-> b) against the true DAG's arcs, beside the ceiling (the true CPDAG's"
                  " arrows); SHD against the true CPDAG.", "",
                  "| type | n | exact CPDAG | skeleton F1 | arrow F1 | ceiling arrow F1 | SHD |", "|---|---:|---:|---:|---:|---:|---:|"]
        for code, r in graph_rows:
            lines.append(f"| {code} | {r.n} | {_pct(r.accuracy)} | {_num(r.mean_skeleton_f1)} | {_num(r.mean_arrow_f1)} | "
                         f"{_num(r.mean_ceiling_arrow_f1)} | {_num(r.mean_shd, '{:.1f}')} |")
        lines.append("")
    ate = report.types.get("ATE")
    if ate is not None and ate.n:
        tol = m.get("tolerance", {})
        lines += ["## Effects", "",
                  f"- ATE within tolerance ({tol.get('rel', 0.1):.0%} relative + {tol.get('abs', 0.05)} absolute) of the true"
                  f" SCM effect: {_pct(ate.accuracy)} of {ate.n_truth}",
                  f"- CI coverage (the reported interval contains the true ATE): {_pct(ate.ci_coverage)}"
                  f" of the answers that reported an interval", ""]
    if report.by_kind:
        kinds = list(report.by_kind)
        lines += ["## Accuracy against the truth by SCM kind", "",
                  "| type | " + " | ".join(kinds) + " |", "|---|" + "---:|" * len(kinds)]
        for code in [*QUESTION_TYPES, "all"]:
            lines.append(f"| {code} | " + " | ".join(_pct(report.by_kind[k].get(code)) for k in kinds) + " |")
        lines.append("")
    lat = timing.get("latency_by_type") or {}
    if lat:
        lines += ["## Timing", "",
                  f"- worker start-up (imports + first agent): {timing.get('worker_startup_s') or 'inline (no workers)'} s",
                  f"- per-question latency: {timing.get('question_latency')}", "",
                  "| type | n | mean | median | p95 | max |", "|---|---:|---:|---:|---:|---:|"]
        for code, s in lat.items():
            lines.append(f"| {code} | {s.get('n')} | {s.get('mean_s')} | {s.get('median_s')} | {s.get('p95_s')} | {s.get('max_s')} |")
        lines.append("")
    if report.failures:
        lines += ["## Failure analysis", "",
                  f"Sub-types below {ANALYSIS_THRESHOLD:.0%}, wrong answers classified from their records: *parser: tool* /"
                  " *parser: arguments* (the question was misread: another tool, or other variables, conditioning set"
                  " or t0/t1), *tool error* (the right call failed), *beyond the equivalence class* (right about the"
                  " true DAG, not its CPDAG, e.g. LiNGAM), *statistical limit* (the reference procedure is wrong too),"
                  " *tool semantics* (right tool and arguments, a different verdict from the reference), *error*."
                  f" Up to {MAX_EXAMPLES} examples per type, parser cases first.", ""]
        for code, f in report.failures.items():
            causes = ", ".join(f"{k}: {v}" for k, v in f.causes.items())
            lines += [f"### {code}: {_pct(f.accuracy)} vs {f.target} ({f.n_wrong} wrong of {f.n})", "", f"Causes: {causes}.", ""]
            lines += ["| cause | kind | question | expected | given | reference | tools |", "|---|---|---|---|---|---|---|"]
            for c in f.examples:
                q = c.question.replace("|", "\\|")
                lines.append(f"| {c.cause} | {c.scm_kind or ''} | {q} | {_md(c.expected)} | {_md(c.given)} | {_md(c.reference)} | "
                             f"{', '.join(c.tools) or (c.error or '')} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md(v: Any) -> str:
    text = json.dumps(v) if isinstance(v, (dict, list)) else str(v)
    text = text.replace("|", "\\|")
    return text if len(text) <= 160 else text[:157] + "…"


# ---------------------------------------------------------------------------------------------
# comparing two runs
# ---------------------------------------------------------------------------------------------


class Difference(BaseModel):
    group: str
    n_a: int
    n_b: int
    accuracy_a: float | None
    accuracy_b: float | None
    reference_a: float | None
    reference_b: float | None
    calls_a: float | None
    calls_b: float | None
    latency_a: float | None
    latency_b: float | None

    @staticmethod
    def delta(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else b - a


def compare_reports(a: EvalReport, b: EvalReport) -> list[Difference]:
    """Per sub-type, per level and overall: B minus A."""
    rows: list[Difference] = []
    pairs = [(code, a.types[code], b.types[code]) for code in QUESTION_TYPES if code in a.types and code in b.types]
    pairs += [(lv, a.levels[lv], b.levels[lv]) for lv in a.levels if lv in b.levels]
    pairs.append(("overall", a.overall, b.overall))
    for group, ra, rb in pairs:
        rows.append(Difference(
            group=group, n_a=ra.n, n_b=rb.n, accuracy_a=ra.accuracy, accuracy_b=rb.accuracy,
            reference_a=ra.reference_agreement, reference_b=rb.reference_agreement,
            calls_a=ra.mean_model_calls, calls_b=rb.mean_model_calls,
            latency_a=ra.median_latency_s, latency_b=rb.median_latency_s,
        ))
    return rows


def _delta_pct(a: float | None, b: float | None) -> str:
    d = Difference.delta(a, b)
    return "–" if d is None else f"{100 * d:+.1f}"


def render_comparison(a: EvalReport, b: EvalReport, console: Any = None, names: tuple[str, str] = ("A", "B")) -> Any:
    """Print the per-type differences (B − A, accuracy in percentage points)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    na, nb = names
    table = Table(title=f"{na}: {a.suite}/{a.model}  vs  {nb}: {b.suite}/{b.model}")
    for col in ("type", f"n {na}", f"n {nb}", f"truth {na}", f"truth {nb}", "Δ truth (pp)",
                f"ref {na}", f"ref {nb}", "Δ ref (pp)", f"calls {na}", f"calls {nb}", f"latency {na}", f"latency {nb}"):
        table.add_column(col, justify="left" if col == "type" else "right", no_wrap=col == "type")
    for d in compare_reports(a, b):
        bold = d.group not in QUESTION_TYPES
        cells = [d.group, str(d.n_a), str(d.n_b), _pct(d.accuracy_a), _pct(d.accuracy_b),
                 _delta_pct(d.accuracy_a, d.accuracy_b), _pct(d.reference_a), _pct(d.reference_b),
                 _delta_pct(d.reference_a, d.reference_b), _num(d.calls_a, "{:.1f}"), _num(d.calls_b, "{:.1f}"),
                 _num(d.latency_a, "{:.3f}s"), _num(d.latency_b, "{:.3f}s")]
        table.add_row(*[f"[bold]{c}[/bold]" for c in cells] if bold else cells)
    if a.suite_key != b.suite_key:
        console.print(f"[yellow]note:[/yellow] the runs used different question sets ({a.suite_key} vs {b.suite_key})")
    console.print(table)
    return table


def comparison_markdown(a: EvalReport, b: EvalReport) -> str:
    lines = [f"# Comparison: A = {a.suite}/{a.model}, B = {b.suite}/{b.model}", "",
             "| group | n A | n B | truth A | truth B | Δ truth (pp) | ref A | ref B | Δ ref (pp) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for d in compare_reports(a, b):
        lines.append(f"| {d.group} | {d.n_a} | {d.n_b} | {_pct(d.accuracy_a)} | {_pct(d.accuracy_b)} | "
                     f"{_delta_pct(d.accuracy_a, d.accuracy_b)} | {_pct(d.reference_a)} | {_pct(d.reference_b)} | "
                     f"{_delta_pct(d.reference_a, d.reference_b)} |")
    return "\n".join(lines) + "\n"
