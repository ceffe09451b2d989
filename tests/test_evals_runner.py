"""The eval runner: tiny generated suites, resume, errors, the published fixture, reports, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import PUBLISHED_FIXTURE

from causal_agent_evals.questions import QUESTION_TYPES
from causal_agent_evals.report import EvalReport, build_report, compare_reports, to_markdown
from causal_agent_evals.runner import (RunOptions, make_agent, prepare_four_level, prepare_published, read_results,
                                       run_suite)

FIXTURE = PUBLISHED_FIXTURE
POLARITY = Path(__file__).parent / "fixtures" / "published_polarity"


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("eval-cache")


@pytest.fixture(scope="module")
def tiny(cache):
    """20 questions (one dataset, all nine sub-types) on 300 rows: generated once for the module."""
    return prepare_four_level(n=20, seed=3, rows=300, cache_dir=cache)


class CountingAgent:
    """A real agent whose ``ask`` calls are counted (resume must not ask again)."""

    calls: list[str] = []
    memories: list[object] = []

    def __init__(self, options: RunOptions, memory=None) -> None:
        self.agent = make_agent(options, memory)
        CountingAgent.memories.append(self.agent.memory)

    def load(self, *args, **kwargs):
        return self.agent.load(*args, **kwargs)

    def ask(self, question: str):
        CountingAgent.calls.append(question)
        return self.agent.ask(question)


def _inline(**kw) -> RunOptions:
    return RunOptions(workers=1, progress=False, **kw)


def test_suite_is_cached_and_reproducible(tiny, cache):
    again = prepare_four_level(n=20, seed=3, rows=300, cache_dir=cache)
    assert again.cached and not tiny.cached
    assert [q.id for q in again.questions] == [q.id for q in tiny.questions]
    assert [q.truth for q in again.questions] == [q.truth for q in tiny.questions]
    assert {q.question_type for q in tiny.questions} == set(QUESTION_TYPES)


def test_run_in_processes_produces_records_and_a_report_naming_all_nine_codes(cache, tmp_path):
    two = prepare_four_level(n=40, seed=3, rows=300, cache_dir=cache)  # two datasets, one per worker
    out = tmp_path / "results.jsonl"
    result = run_suite(two, RunOptions(workers=2, progress=False), out)
    lines = out.read_text().splitlines()
    assert len(lines) == len(result.records) == 40
    rec = json.loads(lines[0])
    for field in ("id", "question_type", "level", "question", "expected", "data_answer", "answer", "correct",
                  "agrees_reference", "model_calls", "latency_s", "steps", "error"):
        assert field in rec
    assert all(r.error is None for r in result.records)
    assert all(r.model_calls and r.model_calls >= 1 for r in result.records)
    assert all(r.steps and r.steps[0].tool and "\n" not in r.steps[0].output for r in result.records)
    assert len(result.stats.worker_startup_s) == 2
    for ds in {r.dataset for r in result.records}:  # one dataset = one task = one worker (one agent)
        assert len({r.worker for r in result.records if r.dataset == ds}) == 1
    report = build_report(result)
    assert set(report.types) == set(QUESTION_TYPES)
    data = json.loads(report.model_dump_json())
    from causal_agent_evals.report import PUBLISHED_REFERENCE

    for code in QUESTION_TYPES:
        assert data["types"][code]["n"] >= 1
        published = PUBLISHED_REFERENCE[code][0]  # None for types the literature has not
        assert data["types"][code]["published_reference"] == published
    # accuracy in the report is the share of correct records
    it = [r for r in result.records if r.question_type == "IT"]
    assert report.types["IT"].accuracy == pytest.approx(sum(bool(r.correct) for r in it) / len(it))
    md = to_markdown(report)
    assert all(code in md for code in QUESTION_TYPES)


def test_resume_skips_answered_questions(tiny, tmp_path):
    out = tmp_path / "results.jsonl"
    CountingAgent.calls = []
    first = run_suite(tiny, _inline(), out, agent_factory=CountingAgent)
    assert len(CountingAgent.calls) == 20 and first.stats.n_new == 20
    # drop the last 5 lines and cut one short, as a kill mid-write would
    lines = out.read_text().splitlines()
    out.write_text("\n".join(lines[:15]) + "\n" + lines[15][: len(lines[15]) // 2])
    CountingAgent.calls = []
    second = run_suite(tiny, _inline(), out, agent_factory=CountingAgent)
    assert len(CountingAgent.calls) == 5
    assert second.stats.n_skipped == 15 and second.stats.n_new == 5
    assert len(second.records) == 20 and len(read_results(out)) == 20
    CountingAgent.calls = []
    third = run_suite(tiny, _inline(), out, agent_factory=CountingAgent)
    assert CountingAgent.calls == [] and third.stats.n_skipped == 20
    # another model's file is refused, not mixed
    from causal_agent.errors import DataError

    with pytest.raises(DataError, match="another run"):
        run_suite(tiny, _inline(model="openai:gpt-4o-mini"), out)


def test_an_error_in_one_question_is_recorded_and_the_run_goes_on(tiny, tmp_path):
    broken = tiny.questions[4].model_copy(update={"text": "", "question": "   "})  # empty prompt: agent raises
    suite = tiny.model_copy(update={"questions": [*tiny.questions[:4], broken, *tiny.questions[5:8]]})
    result = run_suite(suite, RunOptions(workers=2, progress=False), tmp_path / "r.jsonl")
    errors = {r.id: r.error for r in result.records if r.error}
    assert list(errors) == [broken.id]
    assert "empty" in errors[broken.id]
    assert len(result.records) == 8
    assert sum(r.answer is not None for r in result.records) == 7
    report = build_report(result)
    assert report.overall.error_rate == pytest.approx(1 / 8)
    assert report.failures[broken.question_type].causes.get("error") == 1


def test_a_missing_data_file_fails_only_its_questions(tiny, tmp_path):
    moved = [q.model_copy(update={"data_path": str(tmp_path / "missing.csv")}) for q in tiny.questions[:2]]
    suite = tiny.model_copy(update={"questions": [*moved, *tiny.questions[2:4]]})
    result = run_suite(suite, _inline(), tmp_path / "r.jsonl")
    assert [bool(r.error) for r in result.records] == [True, True, False, False]
    assert "missing" in result.records[0].error


def test_published_fixture_reports_the_flipped_labels(tmp_path):
    suite = prepare_published(FIXTURE / "questions.jsonl", FIXTURE / "data", FIXTURE / "causal_graph")
    result = run_suite(suite, _inline(), tmp_path / "pub.jsonl")
    assert len(result.records) == 9 and all(r.error is None for r in result.records)
    report = build_report(result)
    text = " ".join(report.caveats)
    assert "flipped" in text and "3 independence label(s) were flipped" in text
    assert "ATE" in text
    assert report.overall.accuracy is None  # no truth in published files
    assert report.overall.n_reference == 9
    assert "flipped" in to_markdown(report)


def test_compare_two_reports(tiny, tmp_path):
    result = run_suite(tiny, _inline(), tmp_path / "a.jsonl")
    a = build_report(result)
    from causal_agent_evals.scoring import Tolerance

    strict_options = result.options.model_copy(update={"tolerance": Tolerance(rel=0.0, abs=0.0)})
    strict = result.model_copy(update={"options": strict_options})
    b = build_report(strict)
    diffs = {d.group: d for d in compare_reports(a, b)}
    assert set(QUESTION_TYPES) <= set(diffs) and "overall" in diffs
    assert diffs["IT"].accuracy_a == diffs["IT"].accuracy_b
    assert diffs["ATE"].accuracy_b <= diffs["ATE"].accuracy_a  # a zero tolerance cannot score higher


def test_cli_eval_run_report_and_compare(tiny, cache, tmp_path, capsys):
    from causal_agent.cli import main

    common = ["eval", "--suite", "four-level", "--n", "20", "--seed", "3", "--rows", "300", "--workers", "1",
              "--cache-dir", str(cache), "--no-progress"]
    main([*common, "--out", str(tmp_path / "r.jsonl"), "--report", str(tmp_path / "a.json"),
          "--markdown", str(tmp_path / "a.md")])
    shown = capsys.readouterr().out
    assert "Has-Confounder" in shown and "loaded from cache" in shown
    report = EvalReport.load(tmp_path / "a.json")
    assert set(report.types) == set(QUESTION_TYPES) and report.meta["n_results"] == 20
    assert "| CAUSALKG |" in (tmp_path / "a.md").read_text()
    # a rerun resumes everything and writes the same figures
    main([*common, "--out", str(tmp_path / "r.jsonl"), "--report", str(tmp_path / "b.json")])
    b = EvalReport.load(tmp_path / "b.json")
    assert b.meta["timing"]["skipped_from_file"] == 20 and b.meta["timing"]["answered_now"] == 0
    assert b.types["CAUSE"].accuracy == report.types["CAUSE"].accuracy
    main(["eval", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    shown = capsys.readouterr().out
    assert "Δ truth" in shown and "PARTIAL_CG" in shown
    # the published suite through the CLI
    main(["eval", "--suite", "published", "--path", str(FIXTURE / "questions.jsonl"), "--data-dir",
          str(FIXTURE / "data"), "--graphs-dir", str(FIXTURE / "causal_graph"), "--workers", "1", "--no-progress",
          "--protocol", "reference", "--out", str(tmp_path / "p.jsonl"), "--report", str(tmp_path / "p.json"),
          "--markdown", str(tmp_path / "p.md")])
    shown = capsys.readouterr().out
    assert "flipped" in shown and "misread" in shown and "protocol reference" in shown
    pub = EvalReport.load(tmp_path / "p.json")
    assert pub.meta["protocol"] == "reference" and pub.meta["readings"]["IT"]["n"] == 1
    assert pub.caveats[0].startswith("Protocol reference: the published labelling procedure")
    md = (tmp_path / "p.md").read_text()
    assert "- protocol: **reference**" in md and "## Agreement and misreads by type" in md


@pytest.mark.parametrize(
    "argv, message",
    [
        (["eval", "--suite", "four-levl"], "four-level"),
        (["eval", "--suite", "published"], "--path"),
        (["eval", "--workers", "0"], "--workers"),
        (["eval", "--protocol", "paper"], "--protocol"),
        (["eval", "--compare", "nope-a.json", "nope-b.json"], "not found"),
    ],
)
def test_cli_bad_input_exits_with_one_line(argv, message, capsys, tmp_path):
    from causal_agent.cli import main

    with pytest.raises(SystemExit) as exc:
        main([*argv, "--cache-dir", str(tmp_path)] if "--compare" not in argv else argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err


def test_ctrl_c_stops_workers_and_leaves_a_resumable_file(cache, tmp_path):
    """SIGINT to the whole process group (as a terminal's Ctrl-C): exit 130, valid lines, a resume hint."""
    import os
    import signal
    import subprocess
    import sys
    import time

    prepare_four_level(n=200, seed=3, rows=300, cache_dir=cache)
    out = tmp_path / "int.jsonl"
    cmd = [sys.executable, "-m", "causal_agent", "eval", "--n", "200", "--seed", "3", "--rows", "300", "--workers", "2",
           "--cache-dir", str(cache), "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and not (out.exists() and out.read_text().count("\n") >= 3):
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "resume with" in stdout and "--resume" in stdout and str(out) in stdout
    assert "Traceback" not in stderr
    done = read_results(out)
    assert 3 <= len(done) < 200
    assert len(out.read_text().splitlines()) == len(done)  # every line is a whole record
    # no live worker left behind in the group (an exited child may linger as a zombie until reaped)
    for _ in range(40):
        ps = subprocess.run(["ps", "-o", "stat=", "-g", str(proc.pid)], capture_output=True, text=True).stdout
        if all(line.strip().startswith("Z") for line in ps.splitlines() if line.strip()):
            break
        time.sleep(0.25)
    else:
        pytest.fail(f"processes still running in the run's group: {ps!r}")


def test_failure_causes_from_the_record(tiny):
    from causal_agent_evals.report import classify
    from causal_agent_evals.runner import ResultRecord, StepRecord
    from causal_agent_evals.scoring import score

    q = next(q for q in tiny.questions if q.question_type == "Has-Collider" and q.truth in ("yes", "no"))
    wrong = "no" if q.truth == "yes" else "yes"
    x, y = q.interest[:2]

    def cause(steps: list[StepRecord], answer: str | None = wrong, error: str | None = None) -> str:
        rec = ResultRecord(id=q.id, run_key="k", question_type=q.question_type, level=q.level, dataset=q.dataset,
                           question=q.question, answer=answer, steps=steps, error=error)
        return classify(q, rec, score(q, rec.given_answer()))

    assert cause([StepRecord(tool="direct_cause", args={"x": x, "y": y})]) == "parser: tool"
    assert cause([StepRecord(tool="shared_collider", args={"x": x, "y": q.variables[-1]
                                                            if q.variables[-1] not in (x, y) else q.variables[0]})]
                 ) == "parser: arguments"
    assert cause([StepRecord(tool="shared_collider", args={"x": y.lower(), "y": x}, status="error")],
                 answer=None) == "tool error"
    assert cause([], answer=None, error="ValueError: boom") == "error"
    ok_args = [StepRecord(tool="shared_collider", args={"x": x, "y": y})]
    # a decided truth is the same for the DAG and its CPDAG, so only the reference decides the cause
    assert cause(ok_args) == ("tool semantics" if q.data_answer == q.truth else "statistical limit")


# ---------------------------------------------------------------------------------------------
# the published benchmark as published: a dataset per (file, variables), protocols, misreads


@pytest.fixture(scope="module")
def polarity_suite():
    return prepare_published(POLARITY / "questions.jsonl", POLARITY / "data", POLARITY / "causal_graph")


def test_tasks_are_files_and_datasets_are_namings(polarity_suite):
    from causal_agent_evals.runner import _tasks, data_spec

    tasks = _tasks(polarity_suite.questions, polarity_suite.data_dir)
    assert len(tasks) == 2  # two files, each a task (one worker, one shared graph memory)
    for task in tasks:
        assert len(task) == 2  # each file under two namings
        assert len({spec.path for spec, _ in task}) == 1 and len({spec.name for spec, _ in task}) == 2
        for spec, qs in task:
            assert all(spec.columns == q.variables for q in qs)
            assert all(data_spec(q, polarity_suite.data_dir) == spec for q in qs)
    assert "4 (file, variables) datasets from 2 file(s)" in " ".join(polarity_suite.caveats)


def test_a_files_namings_share_one_graph_memory_and_each_row_gets_its_own_columns(polarity_suite, tmp_path):
    keep = {"CAUSE", "Has-Collider", "Has-Confounder", "IT"}
    suite = polarity_suite.model_copy(update={"questions": [q for q in polarity_suite.questions
                                                            if q.question_type in keep][:12]})
    CountingAgent.memories = []
    result = run_suite(suite, _inline(protocol="reference"), tmp_path / "r.jsonl", agent_factory=CountingAgent)
    assert all(r.error is None and r.answer for r in result.records)
    # every call names the row's own columns, never the first naming's
    by_id = {q.id: q for q in suite.questions}
    for r in result.records:
        for st in r.steps:
            named = [st.args.get(k) for k in ("x", "y") if st.args.get(k)]
            assert set(named) <= set(by_id[r.id].variables)
    # one memory per file, shared by its namings
    datasets = [d for d in dict.fromkeys(r.dataset for r in result.records)]
    assert len(CountingAgent.memories) == len({(q.dataset, tuple(q.variables)) for q in suite.questions})
    assert len({id(m) for m in CountingAgent.memories}) == len(datasets)
    from causal_agent_evals.runner import graph_reuse, type_readings

    reuse = graph_reuse(result)
    assert reuse.datasets == 4 and reuse.files == 2 and reuse.learned >= 1
    assert reuse.learned + reuse.reused == reuse.graph_calls
    readings = type_readings(result)
    assert sum(r.n for r in readings.values()) == len(result.records)
    assert all(r.misread == 0 for r in readings.values()), {t: r.examples for t, r in readings.items()}


def test_protocols_are_agent_settings_and_never_mix_in_a_results_file(tiny, tmp_path):
    import importlib.util

    from causal_agent.errors import DataError
    from causal_agent_evals.reference import protocol_settings, protocol_text

    ref = protocol_settings("reference", refute_simulations=3)
    assert (ref.ci_test, ref.algorithm, ref.alpha, ref.partial_graph, ref.discovery_resamples) == (
        "fisherz", "pc", 0.05, "subset", 0)
    assert ref.estimator == ("dml" if importlib.util.find_spec("econml") else "linear")
    assert ref.refute_simulations == 3
    default = protocol_settings("default")
    assert default.ci_test == "auto" and default.partial_graph == "induced"
    assert make_agent(_inline(protocol="reference")).settings.ci_test == "fisherz"
    assert "LinearDML" in protocol_text("reference") or "linear back-door" in protocol_text("reference")
    with pytest.raises(DataError, match="--protocol default"):
        protocol_settings("paper")
    suite = tiny.model_copy(update={"questions": tiny.questions[:2]})
    out = tmp_path / "p.jsonl"
    first = run_suite(suite, _inline(), out)
    assert first.run_key.endswith("|default")
    with pytest.raises(DataError, match="protocol default"):
        run_suite(suite, _inline(protocol="reference"), out)


def test_misreads_come_from_the_recorded_call(polarity_suite):
    from causal_agent_evals.runner import ResultRecord, StepRecord, misread

    q = next(q for q in polarity_suite.questions if q.question_type == "CIT")
    x, y = q.interest

    def rec(*steps: StepRecord, error: str | None = None) -> ResultRecord:
        return ResultRecord(id=q.id, run_key="k", question_type=q.question_type, level=q.level, dataset=q.dataset,
                            question=q.question, steps=list(steps), error=error)

    assert misread(q, rec(StepRecord(tool="test_independence", args={"x": y, "y": x, "given": q.given}))) is None
    assert "given" in misread(q, rec(StepRecord(tool="test_independence", args={"x": x, "y": y})))
    assert "tool" in misread(q, rec(StepRecord(tool="direct_cause", args={"x": x, "y": y})))
    assert misread(q, rec()) == "no tool call"
    assert misread(q, rec(error="ValueError: boom")) is None  # an error, not a misread
    ate = next(q for q in polarity_suite.questions if q.question_type == "ATE")
    rest = [v for v in ate.variables if v not in ate.interest]
    call = {"treatment": ate.interest[0], "outcome": ate.interest[1], "t0": ate.t0, "t1": ate.t1}
    ate_rec = ResultRecord(id=ate.id, run_key="k", question_type="ATE", level=ate.level, dataset=ate.dataset,
                           question=ate.question, steps=[StepRecord(tool="estimate_effect",
                                                                    args={**call, "confounders": rest})])
    assert misread(ate, ate_rec) is None  # "the remaining variables can be regarded as confounders"
    ate_rec.steps[0].args["confounders"] = rest[:1]
    assert "confounders" in misread(ate, ate_rec)


def test_out_that_is_not_an_eval_results_file_is_refused_not_appended_or_deleted(tiny, tmp_path):
    from causal_agent.errors import DataError

    for name, content in (("notes.txt", "my notes\n"), ("table.csv", "a,b\n1,2\n")):
        other = tmp_path / name
        other.write_text(content)
        for resume in (True, False):  # --no-resume would delete the results file it was given
            with pytest.raises(DataError, match="is not an eval results file"):
                run_suite(tiny, _inline(resume=resume), other, agent_factory=CountingAgent)
            assert other.read_text() == content
