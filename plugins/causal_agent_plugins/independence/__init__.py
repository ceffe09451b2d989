"""Built-in plugin: the built-in CI tests' declarations and the ``test_independence`` tool.

The statistics live in ``causal_agent.independence`` (``function=None``: the core runs them); this
plugin declares what each test handles, which is all ``auto`` reads, and the tool only reads the
run-time context (dataset registry, registered tests, default alpha) and turns the result into a
summary plus a structured artifact.
"""

from typing import Annotated, Any

from causal_agent.hookspecs import hookimpl

from .intents import register_intents  # noqa: F401  (the planner's phrasings)


def _builtin_tests() -> tuple[tuple[str, str, dict[str, Any]], ...]:
    """The built-in tests: name, description, capabilities (fresh per call: no module table).

    ``cost`` is the power of n one test's time grows with (Fisher-z works on the correlation
    matrix: 0). ``auto`` takes the cheapest test that fits, so the order settles ties: chi-square
    before G², because its chi-square approximation holds up better in sparse contingency tables.
    Residual KCI assumes additive noise in the conditioning set, so ``auto`` prefers KCI where
    cost does not matter (marginal tests, small samples). RCIT (Strobl et al. 2019) approximates
    KCI with random Fourier features: linear in n, the nonlinear test PC can afford at thousands
    of rows (``benchmarks/bench_discovery.py`` measures it against KCI and FastKCI on a nonlinear
    family); its ``random_features`` assumption (exact only as the features grow) keeps ``auto``'s
    marginal tests on KCI. FastKCI (Schacht & Huang) partitions the sample into a Gaussian mixture;
    causal-learn's implementation measured slower than KCI here, so it declares KCI's cost.
    Residual KCI's time grows linearly in n (spline least squares on all rows, HSIC on at most
    2000 residuals), so it declares cost 1 like RCIT and, registered first, wins their tie: inside
    PC on the benchmark's nonlinear family it was as accurate and twice as fast."""
    return (
        ("fisherz", "Fisher-z test of the partial correlation: linear association only",
         {"data_kinds": ("continuous", "mixed"), "nonlinear": False, "cost": 0.0, "label": "Fisher-z",
          "aliases": ("fisher", "fisher-z", "fisher z", "partial correlation")}),
        ("chisq", "Pearson chi-square test on the (stratified) contingency table",
         {"data_kinds": ("discrete",), "nonlinear": True, "cost": 1.0, "label": "chi-square",
          "aliases": ("chi2", "chi-square", "chisquare", "chi-squared", "pearson")}),
        ("gsq", "G-squared (likelihood-ratio) test on the (stratified) contingency table",
         {"data_kinds": ("discrete",), "nonlinear": True, "cost": 1.0, "label": "G-squared",
          "aliases": ("g2", "g-square", "gsquare", "g-squared", "g-test")}),
        ("kci", "kernel conditional independence test (KCI): any dependence, O(n^3) per test",
         {"data_kinds": ("continuous", "mixed"), "nonlinear": True, "cost": 3.0, "label": "KCI",
          "aliases": ("kernel",)}),
        ("rkci", "residual KCI: spline regressions on the conditioning set, then HSIC of the residuals",
         {"data_kinds": ("continuous",), "nonlinear": True, "cost": 1.0, "label": "residual KCI",
          "assumptions": ("additive_noise",),
          "aliases": ("residual kci", "residual-kci", "kci-residual", "residual")}),
        ("rcit", "randomized conditional independence test (RCIT): KCI with random Fourier features, O(n)",
         {"data_kinds": ("continuous", "mixed"), "nonlinear": True, "cost": 1.0, "label": "RCIT",
          "assumptions": ("random_features",),
          "aliases": ("randomized cit", "randomized kci", "random fourier", "rit")}),
        ("fastkci", "FastKCI: KCI on a Gaussian-mixture partition of the sample",
         {"data_kinds": ("continuous", "mixed"), "nonlinear": True, "cost": 3.0, "label": "FastKCI",
          "assumptions": ("mixture_partition",), "aliases": ("fast kci", "fast-kci")}),
    )


@hookimpl
def register_ci_tests(register):  # type: ignore[no-untyped-def]
    for name, description, capabilities in _builtin_tests():
        register(name, None, description, **capabilities)


def _g(v: float, digits: int = 4) -> str:
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.{max(digits - 1, 1)}e}"
    return f"{v:.{digits}g}"


def _verdict(r: Any) -> dict[str, Any]:
    """The verdict-artifact fields: the answer to the tool's own question ("are x and y
    independent?"), what it means, and the evidence. p < alpha means dependent."""
    given = list(r.given)
    cond = f" given {', '.join(given[:-1])} and {given[-1]}" if len(given) > 1 else f" given {given[0]}" if given else ""
    if r.independent:
        finding = f"{r.x} and {r.y} are independent{cond}: the test finds no significant dependence"
    else:
        finding = f"{r.x} and {r.y} are dependent{cond}: the test rejects independence"
    evidence = [f"test {r.method}"]
    if r.statistic is not None:
        evidence.append(f"{r.statistic_name or 'statistic'} {_g(r.statistic)}")
    shown_p = "< 1e-16" if r.p_value == 0 else _g(r.p_value, 3)
    rel = "<" if r.p_value < r.alpha else ">="
    evidence.append(f"p-value {shown_p} {rel} alpha {_g(r.alpha)}")
    evidence.append(f"n = {r.n}")
    caveat = (
        "Not rejecting independence is not proof of it; a larger sample could still find a weak"
        " dependence." if r.independent else None
    )
    # why the test fits the data when that is not the default reading (nominal text), and how the
    # tested columns were read (ordered text, cells that are not numbers): the user must see both
    why = [f"{r.method} because {r.test_reason}"] if r.test_reason and (r.binned or r.one_hot) else []
    why += [n for n in r.notes if "nominal text" in n and "ran on those codes" in n]
    why += [n.rstrip(".") for n in r.data_notes]
    out = {"answer": "yes" if r.independent else "no", "polarity": "independence",
           "finding": finding, "evidence": evidence, "caveat": caveat}
    if why:
        out["reason"] = "; ".join(w.rstrip(".") for w in why)
    return out


def test_independence_tool() -> Any:
    """The ``test_independence`` LangChain tool (built per call: no module-level state)."""
    from langchain_core.tools import tool
    from causal_agent.tool_runtime import ToolRuntime

    from causal_agent.independence import test_independence

    @tool("test_independence", response_format="content_and_artifact")
    def run(
        runtime: ToolRuntime,
        x: Annotated[str, "first variable"],
        y: Annotated[str, "second variable"],
        # (a list default is safe: the tool gets pydantic's copy of it, and it is never mutated)
        given: Annotated[list[str], "conditioning set Z (empty for a marginal test)"] = [],
        method: Annotated[str, "auto (chosen from the data), or the name of a registered CI test"] = "auto",
        alpha: Annotated[float | None, "significance level; omit for the default"] = None,
        dataset: Annotated[str | None, "dataset name; omit for the loaded one"] = None,
    ) -> tuple[str, dict[str, Any]]:
        """Test whether x and y are independent, optionally given other variables.

        p < alpha means dependent. Returns the decision, p-value, statistic and test used."""
        ctx = runtime.context
        if (method or "auto").strip().lower() in ("", "auto", "default"):
            method = ctx.settings.ci_test or "auto"  # the configured test, for questions naming none
        result = test_independence(
            ctx.datasets.get(dataset), x, y, list(given), method=method,
            alpha=ctx.settings.alpha if alpha is None else alpha, seed=ctx.settings.seed,
            tests=ctx.ci_tests,
        )
        content = result.summary
        if result.notes:
            content += " Notes: " + " ".join(result.notes)
        # a verdict for the tool's own question, "are x and y independent?"; the agent reads it in
        # the polarity of the question as asked ("are they dependent?" flips it)
        return content, {**result.model_dump(), **_verdict(result)}

    run.metadata = {"artifact": "verdict", "polarity": "independence",
                    "summary": "Test whether x and y are independent, given some variables."}
    return run


test_independence_tool.__test__ = False  # type: ignore[attr-defined]


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    register(test_independence_tool())
