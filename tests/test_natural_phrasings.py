"""Natural phrasings: questions written the way analysts ask them, by people who never saw the
intent examples, about the bundled clinic example whose true DAG is known. Two sets, each from
its own writer: ``natural_phrasings.jsonl`` (set "a", see ``natural_phrasings_README.md``),
``natural_phrasings_b.jsonl`` (set "b") and ``natural_phrasings_c.jsonl`` (set "c"), each with
its ``_README.md``.

Two measurements, per family:

* **routing**: the planner's reading (``Planner.plan``, the code the offline model runs) picks
  the row's tool with the row's roles (treatment vs outcome, the variable asked about, the
  adjuster, direct or not, the contrast); a question whose roles cannot be told apart
  (``ambiguous_roles``) must be asked back, never guessed;
* **answers**: one offline agent over the clinic data (graph learned once, kept in its memory)
  answers each question, scored against the row's truth: right, uncertain (honest, not right)
  or confidently wrong. The learned graph may differ from the true DAG; that counts against us.

All seven families (and the ambiguous rows) are held to the issue's targets on sets "a" and "c":
90 % routed right, 85 % answered right. Set "b" was read while the planner was changed; it is held
to the floors in ``TARGETS`` and its figures are printed beside the others'.

Run ``pytest -s tests/test_natural_phrasings.py`` to see the per-family table and every miss.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SETS = {"a": Path(__file__).with_name("natural_phrasings.jsonl"),
        "b": Path(__file__).with_name("natural_phrasings_b.jsonl"),
        "c": Path(__file__).with_name("natural_phrasings_c.jsonl")}


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ROWS_BY_SET: dict[str, list[dict[str, Any]]] = {k: _load(p) for k, p in SETS.items()}
ROWS = ROWS_BY_SET["a"]
COLUMNS = ["age", "stress", "genetics", "smoking", "yellow_fingers", "lung_cancer", "coughing"]
#: the issue's seven families (its first is "causes_of" and "effects_of"), each held to the targets
THRESHOLD_FAMILIES = {"causes_of", "effects_of", "causes", "estimate_effect", "explain_association",
                      "adjustment_advice", "mediation", "confidence"}
#: set -> (routed right, answered right) over its held-out rows: sets "a" (the issue's set of at
#: least 100) and "c" (62 rows, written after the planner changes of 2026-12-03; 93.5 % routed when
#: first scored) at the issue's targets; set "b" (read while the planner was changed) at floors
#: under its measured figures (printed with -s)
TARGETS = {"a": (0.90, 0.85), "b": (0.85, 0.80), "c": (0.90, 0.85)}
#: the eval's ATE tolerance (evals/causal_agent_evals/scoring.Tolerance): 10 % relative + 0.05
REL_TOL, ABS_TOL = 0.10, 0.05
#: the test set's role names -> the tool's
ROLE_NAMES = {"descendant_of_collider": "descendant of a collider",
              "descendant_of_treatment": "descendant of the treatment"}


def family(row: dict[str, Any]) -> str:
    return "ambiguous" if row.get("ambiguous_roles") else row["family"]


# ---- the files themselves ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SETS))
def test_the_set_is_independent_and_large_enough(name: str) -> None:
    rows = ROWS_BY_SET[name]
    assert len(rows) >= (120 if name == "a" else 60)
    assert len({r["id"] for r in rows}) == len(rows)
    fams = {family(r) for r in rows}
    assert THRESHOLD_FAMILIES | {"ambiguous"} <= fams
    readme = SETS[name].with_name(SETS[name].stem + "_README.md").read_text(encoding="utf-8")
    assert "intent example" in readme and ("did **not** open" in readme or "Not opened" in readme)
    for r in rows:
        for key in ("variable", "x", "y", "a", "b", "treatment", "outcome", "mediator", "z"):
            if key in r["roles"]:
                assert r["roles"][key] in COLUMNS, (r["id"], key)
    assert not {r["id"] for r in rows} & {r["id"] for k, o in ROWS_BY_SET.items() if k != name for r in o}


def _norm(text: str) -> str:
    """A phrasing with its variables and slots blanked, words only (as test_evals_generator does)."""
    text = re.sub(r"\{\{?[^{}]*\}\}?", "{}", text.lower())
    for col in sorted(COLUMNS, key=len, reverse=True):
        for form in (col, col.replace("_", " ")):
            text = text.replace(form, "{}")
    return re.sub(r"[^a-z{}]+", " ", text).strip()


def building_phrasings() -> dict[str, str]:
    """The built-in plugins' intent examples (the planner's training data), normalised -> intent."""
    import importlib
    import pkgutil

    import causal_agent_plugins

    building: dict[str, str] = {}

    def register(tool, examples=(), slots=None, constants=None, name=None):  # noqa: ANN001, ANN202, ARG001
        for e in examples:
            building.setdefault(_norm(e), name or tool)

    for mod in pkgutil.iter_modules(causal_agent_plugins.__path__):
        try:
            intents = importlib.import_module(f"causal_agent_plugins.{mod.name}.intents")
        except ModuleNotFoundError:
            continue
        intents.register_intents(register)
    return building


BUILDING = building_phrasings()
#: rows whose words (variables blanked) are an intent example: the canonical phrasings both sets
#: took from the issue ("Does X directly cause Y?"). They are routed and answered, but they do not
#: measure reading, so the thresholds are taken over the other (held-out) rows.
SEEN = {r["id"] for rows in ROWS_BY_SET.values() for r in rows if _norm(r["question"]) in BUILDING}


def held_out(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows the thresholds are taken over: every family's, less the canonical (seen) ones."""
    return [r for r in rows if r["id"] not in SEEN and family(r) in THRESHOLD_FAMILIES | {"ambiguous"}]


@pytest.mark.parametrize("name", sorted(SETS))
def test_the_held_out_rows_are_apart_from_the_intent_examples(name: str) -> None:
    """The planner is built from the plugins' intent examples; the natural phrasings this suite is
    measured on are not among them, and the rows that are (canonical phrasings) are few."""
    rows = ROWS_BY_SET[name]
    assert len(BUILDING) > 300
    shared = {r["id"]: BUILDING[_norm(r["question"])] for r in rows if r["id"] in SEEN}
    print(f"\nset {name}: {len(shared)} rows are also intent examples (left out of the thresholds): {shared}")
    assert len(shared) <= 0.2 * len(rows)
    assert len(held_out(rows)) >= (100 if name == "a" else 50)


# ---- routing -------------------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    except (TypeError, ValueError):
        return False


def _contrast_ok(want: dict[str, Any] | None, args: dict[str, Any]) -> bool:
    """The plan's contrast (``contrast`` spec, else t0/t1, default 0 -> 1) against the row's."""
    spec = str(args.get("contrast") or "")
    t0, t1 = args.get("t0", 0.0), args.get("t1", 1.0)
    if want is None:
        return not spec and _same(t0, 0) and _same(t1, 1)
    if "from" in want:
        return not spec and _same(t0, want["from"]) and _same(t1, want["to"])
    if "delta" in want:
        if spec.startswith("shift:"):
            return _same(spec.split(":", 1)[1], want["delta"])
        return not spec and _same(float(t1) - float(t0), want["delta"])
    if "to" in want:
        if spec.startswith("set:"):
            return _same(spec.split(":", 1)[1], want["to"])
        return (spec == "stop" and _same(want["to"], 0)) or (not spec and _same(t1, want["to"]))
    return False


def routing_problems(row: dict[str, Any], plan: Any) -> list[str]:
    """Why ``plan`` is not the row's tool call (empty: right)."""
    roles = row["roles"]
    if row.get("ambiguous_roles"):
        if plan.tool is not None:
            return [f"guessed {plan.tool} {plan.args} instead of asking which is the treatment"]
        asked = " ".join(plan.missing) + " " + (plan.problem or "")
        return [] if "treatment" in asked else [f"asked something else: {plan.missing}"]
    if plan.tool != row["tool"]:
        return [f"tool {plan.tool} (want {row['tool']}); missing={plan.missing}"]
    a, why = plan.args, []
    tool = row["tool"]
    if tool in ("causes_of", "effects_of"):
        if a.get("variable") != roles["variable"]:
            why.append(f"variable {a.get('variable')} (want {roles['variable']})")
        if bool(a.get("direct", False)) != bool(roles.get("direct", False)):
            why.append(f"direct={bool(a.get('direct'))} (want {bool(roles.get('direct'))})")
    elif tool in ("causes", "direct_cause", "confidence"):
        if (a.get("x"), a.get("y")) != (roles["x"], roles["y"]):
            why.append(f"x/y {a.get('x')}/{a.get('y')} (want {roles['x']}/{roles['y']})")
    elif tool == "explain_association":
        if {a.get("a"), a.get("b")} != {roles["a"], roles["b"]}:
            why.append(f"pair {a.get('a')}, {a.get('b')} (want {roles['a']}, {roles['b']})")
    elif tool == "adjustment_advice":
        got = (a.get("treatment"), a.get("outcome"), a.get("variable"))
        if got != (roles["treatment"], roles["outcome"], roles["z"]):
            why.append(f"treatment/outcome/variable {got} (want {roles['treatment']}/{roles['outcome']}/{roles['z']})")
    elif tool == "mediation":
        got = (a.get("treatment"), a.get("outcome"), a.get("mediator"))
        if got != (roles["treatment"], roles["outcome"], roles["mediator"]):
            why.append(f"treatment/outcome/mediator {got} (want {roles['treatment']}/{roles['outcome']}/"
                       f"{roles['mediator']})")
    elif tool == "estimate_effect":
        if (a.get("treatment"), a.get("outcome")) != (roles["treatment"], roles["outcome"]):
            why.append(f"treatment/outcome {a.get('treatment')}/{a.get('outcome')} "
                       f"(want {roles['treatment']}/{roles['outcome']})")
        if not _contrast_ok(roles.get("contrast"), a):
            why.append(f"contrast {a.get('contrast')} t0={a.get('t0')} t1={a.get('t1')} (want {roles.get('contrast')})")
    if plan.flip:
        why.append("read as negated")
    return why


@pytest.fixture(scope="module")
def planner() -> Any:
    from causal_agent.planner import Planner
    from causal_agent.plugins import collect_registry, make_plugin_manager

    return Planner.from_registry(collect_registry(make_plugin_manager()))


def _table(title: str, counts: dict[str, list[int]], columns: tuple[str, ...]) -> None:
    print(f"\n{title}")
    print(f"{'family':<22}" + "".join(f"{c:>11}" for c in columns))
    for fam in sorted(counts):
        print(f"{fam:<22}" + "".join(f"{v:>11}" for v in counts[fam]))


@pytest.mark.parametrize("name", sorted(SETS))
def test_routing(planner, name: str) -> None:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses, held = [], []
    for row in ROWS_BY_SET[name]:
        why = routing_problems(row, planner.plan(row["question"], {"clinic": COLUMNS}))
        fam = family(row)
        counts[fam][0] += 1
        counts[fam][1] += not why
        if row["id"] not in SEEN and fam in THRESHOLD_FAMILIES | {"ambiguous"}:
            held.append(not why)
        if why:
            misses.append(f"[{row['id']}] ({fam}) {row['question']}\n    {'; '.join(why)}")
    _table(f"Natural phrasings, set {name}: routing (tool and roles)", counts, ("rows", "right"))
    print("\nRouting misses:\n" + "\n".join(misses))
    share = sum(held) / len(held)
    target = TARGETS[name][0]
    print(f"\nset {name}: routed right {share:.1%} of {len(held)} held-out rows (target {target:.0%})")
    assert share >= target, f"set {name}: routing {share:.1%} < {target:.0%} (run with -s for the misses)"


# ---- answers ---------------------------------------------------------------------------------------
def _true_effect(t: str, y: str) -> float:
    """The clinic SCM's total effect of t on y per unit: the sum over directed paths of the
    products of the coefficients (linear-Gaussian, make_examples.CLINIC_EDGES)."""
    import networkx as nx

    from causal_agent.examples.make_examples import CLINIC_EDGES

    g = nx.DiGraph()
    g.add_edges_from(CLINIC_EDGES)
    total = 0.0
    for path in nx.all_simple_paths(g, t, y):
        prod = 1.0
        for a, b in zip(path, path[1:]):
            prod *= CLINIC_EDGES[(a, b)]
        total += prod
    return total


def _relatives_verdict(row: dict[str, Any], ans: Any, key_direct: str, key_all: str) -> tuple[str, str]:
    want = set(row["truth"][key_direct if row["roles"].get("direct") else key_all])
    table = next((t for t in ans.tables if t.columns and t.columns[0] == "variable"), None)
    if table is None:
        return "wrong", "no causes/effects table"
    status = {r[0]: r[1] for r in table.rows}
    yes = {v for v, s in status.items() if s == "definitely"}
    no = {v for v, s in status.items() if s == "definitely not"}
    if yes == want and not (set(status) - yes - no):
        return "right", ""
    if (yes - want) or (no & want):
        return "wrong", f"definitely {sorted(yes)}, definitely not {sorted(no & want)} (truth {sorted(want)})"
    return "uncertain", f"possibly {sorted(set(status) - yes - no)}"


def _label_verdict(got: str | None, want: str) -> tuple[str, str]:
    if got == want:
        return "right", ""
    if got in (None, "uncertain"):
        return "uncertain", f"answer {got} (truth {want})"
    return "wrong", f"answer {got} (truth {want})"


def check_causes_of(row: dict[str, Any], ans: Any) -> tuple[str, str]:
    return _relatives_verdict(row, ans, "parents", "ancestors")


def check_effects_of(row: dict[str, Any], ans: Any) -> tuple[str, str]:
    return _relatives_verdict(row, ans, "children", "descendants")


def check_causes(row: dict[str, Any], ans: Any) -> tuple[str, str]:
    return _label_verdict(ans.answer, row["truth"])


def check_association(row: dict[str, Any], ans: Any) -> tuple[str, str]:
    return _label_verdict(ans.answer, row["truth"]["causal"])


def check_adjustment(row: dict[str, Any], ans: Any) -> tuple[str, str]:
    want = "yes" if row["truth"]["adjust"] else "no"
    verdict, why = _label_verdict(ans.answer, want)
    if verdict != "right":
        return verdict, why
    step = next((s for s in ans.steps if s.tool == "adjustment_advice" and s.artifact), None)
    role = (step.artifact or {}).get("role") if step else None
    want_role = ROLE_NAMES.get(row["truth"]["role"], row["truth"]["role"])
    if role == want_role or (want_role == "confounder" and role == "confounder and collider"):
        return "right", ""
    return "uncertain", f"advice right, role {role} (truth {want_role})"


def check_effect(row: dict[str, Any], ans: Any) -> tuple[str, str]:
    """Right: the effect of the row's treatment on its outcome, over the contrast asked, within the
    eval's tolerance of the true SCM effect for the values the tool used."""
    e = ans.effect
    roles = row["roles"]
    if e is None:
        return "wrong", f"no effect ({ans.incomplete_reason}: {ans.explanation[:80]})"
    if (e.treatment, e.outcome) != (roles["treatment"], roles["outcome"]):
        return "wrong", f"effect of {e.treatment} on {e.outcome}"
    want = roles.get("contrast")
    if want is not None and "from" in want and not (_same(e.t0, want["from"]) and _same(e.t1, want["to"])):
        return "wrong", f"contrast {e.t0} -> {e.t1} (want {want})"
    if want is not None and "delta" in want and not _same(e.t1 - e.t0, want["delta"]):
        return "wrong", f"contrast {e.t0} -> {e.t1} (want a change of {want['delta']})"
    if want is not None and "to" in want and "from" not in want and not _same(e.t1, want["to"]):
        return "wrong", f"contrast {e.t0} -> {e.t1} (want to {want['to']})"
    truth = _true_effect(e.treatment, e.outcome) * (e.t1 - e.t0)
    if e.headline == "range":
        return "uncertain", f"a range (truth {truth:.3g})"
    if abs(e.estimate - truth) <= REL_TOL * abs(truth) + ABS_TOL:
        return "right", ""
    return "wrong", f"estimate {e.estimate:.3g} (truth {truth:.3g})"


def check_ambiguous(row: dict[str, Any], ans: Any) -> tuple[str, str]:
    if not ans.complete and ans.incomplete_reason == "needs_clarification" and not ans.steps:
        return "right", ""
    return "wrong", f"answered ({[s.tool for s in ans.steps]}, {ans.incomplete_reason}) instead of asking"


def check_mediation(row: dict[str, Any], ans: Any) -> tuple[str, str]:
    """Right: the verdict agrees with the true DAG. 'Does X act on Y through M?' is yes exactly when
    M is on a directed X ~> Y path; 'is it fully mediated?' yes when every such path passes M (read
    from the tool's own question: 'is there an effect not through M?' is its negation)."""
    step = next((s for s in ans.steps if s.tool == "mediation" and s.artifact), None)
    if step is None and not ans.steps and ans.incomplete_reason == "needs_clarification":
        return "uncertain", f"asked back: {ans.explanation[:80]}"  # not read, but not a wrong answer
    if step is None:
        return "wrong", f"no mediation answer ({ans.incomplete_reason}: {ans.explanation[:80]})"
    art = step.artifact or {}
    if (art.get("treatment"), art.get("outcome"), art.get("mediator")) != (
            row["roles"]["treatment"], row["roles"]["outcome"], row["roles"]["mediator"]):
        return "wrong", f"roles {art.get('treatment')}/{art.get('outcome')}/{art.get('mediator')}"
    truth = row["truth"]
    if row.get("asks_fully"):
        fully = bool(truth["fully"])
        want = {"fully": fully, "direct": not fully}.get(art.get("question"), fully)
        verdict, why = _label_verdict(art.get("answer"), "yes" if want else "no")
    else:
        verdict, why = _label_verdict(ans.answer, "yes" if truth["on_path"] else "no")
    if verdict == "right" and not ans.effects:
        return "uncertain", "verdict right, but no direct/indirect effects"
    return verdict, why


def check_confidence(row: dict[str, Any], ans: Any) -> tuple[str, str]:
    """Right: the support of the asked edge is reported (bootstrap shares for the edge and for x -> y,
    with the sample size), never a bare yes; uncertain when no bootstrap could run."""
    step = next((s for s in ans.steps if s.tool == "confidence" and s.artifact), None)
    if step is None and not ans.steps and ans.incomplete_reason == "needs_clarification":
        return "uncertain", f"asked back: {ans.explanation[:80]}"
    if step is None:
        return "wrong", f"no confidence answer ({ans.incomplete_reason}: {ans.explanation[:80]})"
    art = step.artifact or {}
    if (art.get("x"), art.get("y")) != (row["roles"]["x"], row["roles"]["y"]):
        return "wrong", f"edge {art.get('x')} -> {art.get('y')}"
    if not art.get("resamples") or art.get("adjacent") is None:
        return "uncertain", "no bootstrap support"
    if not ans.tables or "Support" not in ans.explanation or not art.get("n"):
        return "wrong", "support not reported"
    return "right", ""


#: family -> the answer check
ANSWER_CHECKS: dict[str, Callable[[dict[str, Any], Any], tuple[str, str]]] = {
    "causes_of": check_causes_of, "effects_of": check_effects_of, "causes": check_causes,
    "explain_association": check_association, "adjustment_advice": check_adjustment,
    "estimate_effect": check_effect, "ambiguous": check_ambiguous,
    "mediation": check_mediation, "confidence": check_confidence,
}
#: families answered by the agent with effect bootstraps (mediation's CIs; 10 resamples keep it
#: short, the checks read verdicts); the others by one without (the estimates' CIs are analytic)
BOOTSTRAPPED = {"mediation", "confidence"}


def _agent(bootstrap: int) -> Any:
    from causal_agent.agent import CausalAgent
    from causal_agent.context import Settings
    from causal_agent.examples import example_path

    # the refuter does not change the verdicts; "pc" is what auto picks for these continuous data,
    # named so that discover() skips auto's per-call nonlinearity profile (~3 s a question here)
    agent = CausalAgent(settings=Settings(refute=False, algorithm="pc", bootstrap=bootstrap), log=False)
    agent.load(str(example_path("clinic")), name="clinic")
    return agent


@pytest.fixture(scope="module", params=sorted(SETS))
def answered(request) -> tuple[str, list[tuple[dict[str, Any], Any, str]]]:
    """Two offline agents over the clinic data (see BOOTSTRAPPED) answer every row of one set; each
    learns the graph (with its bootstrap) on its first question and reuses it from memory after.
    Returns (set name, [(row, answer, verdict, why)])."""
    name = request.param
    agents = {False: _agent(0), True: _agent(10)}
    out = []
    for row in ROWS_BY_SET[name]:
        agent = agents[family(row) in BOOTSTRAPPED]
        ans = agent.ask(row["question"])
        if not row.get("ambiguous_roles") and not ans.complete and not ans.steps \
                and family(row) not in BOOTSTRAPPED:
            verdict, why = "asked", f"asked back ({ans.incomplete_reason}): {ans.explanation[:90]!r}"
        else:
            verdict, why = ANSWER_CHECKS[family(row)](row, ans)
        out.append((row, ans, verdict, why))
    for agent in agents.values():
        assert len(agent.memory.list()) <= 1  # one graph, learned once
    return name, out


def test_answers(answered) -> None:
    name, rows = answered
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    misses = []
    for row, ans, verdict, why in rows:
        c = counts[family(row)]
        c[0] += 1
        c[{"right": 1, "uncertain": 2, "asked": 3, "wrong": 4}[verdict]] += 1
        if verdict != "right":
            tools = ",".join(s.tool for s in ans.steps) or "-"
            misses.append(f"[{row['id']}] ({family(row)}, {verdict}) {row['question']}\n    {tools}: {why}")
    _table(f"Natural phrasings, set {name}: answers against the truth", counts,
           ("rows", "right", "uncertain", "asked back", "conf. wrong"))
    print("\nAnswer misses:\n" + "\n".join(misses))
    held = [v for r, _, v, _ in rows if r in held_out(ROWS_BY_SET[name])]
    right = held.count("right") / len(held)
    target = TARGETS[name][1]
    print(f"\nset {name}: answered right {right:.1%} of {len(held)} held-out rows (target {target:.0%}); "
          f"uncertain {held.count('uncertain')}, asked back {held.count('asked')}, "
          f"confidently wrong {held.count('wrong')}")
    assert right >= target, f"set {name}: answered right {right:.1%} < {target:.0%} (run with -s)"


#: tools whose answer depends on which variable is the treatment
ROLE_TOOLS = {"estimate_effect", "mediation", "adjustment_advice", "adjustment_sets"}


def test_ambiguous_roles_are_asked_back(answered) -> None:
    """Swapped roles are never silent: no question that leaves the treatment and the outcome open
    is answered by a tool that needs them, and (nearly) every one gets needs_clarification."""
    name, rows = answered
    amb = [(r, a) for r, a, _, _ in rows if r.get("ambiguous_roles")]
    assert len(amb) >= 5
    guessed = [r["id"] for r, a in amb if {s.tool for s in a.steps} & ROLE_TOOLS]
    assert not guessed, f"set {name}: roles guessed for {guessed}"
    asked = [r["id"] for r, a in amb if not a.complete and a.incomplete_reason == "needs_clarification"
             and not a.steps]
    others = {r["id"]: [s.tool for s in a.steps] for r, a in amb if r["id"] not in asked}
    print(f"\nset {name}: ambiguous roles: {len(asked)} of {len(amb)} asked back; otherwise {others}")
    # (nearly: a set of six may have one read another way, by a tool that needs no roles)
    assert len(asked) >= min(0.85 * len(amb), len(amb) - 1), others
