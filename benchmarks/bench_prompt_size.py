"""The size of the prompt a model is sent: full vs compact, with every built-in tool bound, and the
compact prompt a question of each level binds.

The prompt is the system prompt (with the bundled ``clinic`` example's datasets block) plus the
tool schemas as the OpenAI client sends them (compact JSON). Tokens are counted offline by
``causal_agent.tokens.count_tokens``: tiktoken when its encoding file is already cached, else
the stated conservative estimate of one token per three characters. Nothing is downloaded.

Run: ``python benchmarks/bench_prompt_size.py [--json]``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from causal_agent.data import load_dataset
from causal_agent.examples import example_path
from causal_agent.planner import Planner
from causal_agent.plugins import collect_registry, make_plugin_manager
from causal_agent.prompts import build_system_prompt
from causal_agent.tokens import count_tokens, prompt_tokens, schemas_json
from causal_agent.tool_schemas import compact_tools, tool_schemas

#: the budget for a small model's whole prompt (tool schemas included)
BUDGET = 1500

QUESTIONS = {
    "variable": "Are smoking and age independent given stress?",
    "edge": "Does smoking directly cause lung_cancer?",
    "graph": "Draw the causal graph of the clinic data",
    "effect": "What is the effect of smoking on lung_cancer when smoking goes from 0 to 1?",
}


def measure() -> dict[str, Any]:
    reg = collect_registry(make_plugin_manager())
    tools = list(reg.tools.values())
    ds = load_dataset(example_path("clinic"), name="clinic")
    datasets = {"clinic": {"rows": ds.profile.n_rows, "variables": list(ds.variables),
                           "kinds": {v: ds.kind(v) for v in ds.variables}}}
    columns = {"clinic": list(ds.variables)}
    planner = Planner.from_registry(reg)

    def row(label: str, style: str, bound: list[Any]) -> dict[str, Any]:
        system = build_system_prompt(datasets, style=style)  # type: ignore[arg-type]
        schemas = tool_schemas(bound, style, reg.intents if style == "compact" else None)  # type: ignore[arg-type]
        total = prompt_tokens(system, schemas)
        return {"prompt": label, "style": style, "tools": len(bound), "names": [t.name for t in bound],
                "system_chars": len(system), "schema_chars": len(schemas_json(schemas)),
                "system_tokens": count_tokens(system).n, "tokens": total.n, "method": total.method}

    rows = [row("all built-in tools", "full", tools), row("all built-in tools", "compact", tools)]
    for level, question in QUESTIONS.items():
        rows.append(row(f"{level}: {question}", "compact", compact_tools(question, tools, planner, columns)))
    return {"budget": BUDGET, "variables": len(ds.variables), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = measure()
    if args.json:
        print(json.dumps(result, indent=1))
        return
    rows = result["rows"]
    print(f"Prompt size (clinic example, {result['variables']} variables; budget {BUDGET} tokens)")
    print(f"method: {rows[0]['method']}\n")
    print(f"{'style':8} {'tools':>5} {'system':>7} {'schemas':>8} {'tokens':>7}  prompt")
    for r in rows:
        print(f"{r['style']:8} {r['tools']:>5} {r['system_chars']:>7} {r['schema_chars']:>8} "
              f"{r['tokens']:>7}  {r['prompt']}")
        if r["style"] == "compact" and r["tools"] < len(rows[0]["names"]):
            print(f"{'':40}bound: {', '.join(r['names'])}")
    full, compact = rows[0]["tokens"], rows[1]["tokens"]
    print(f"\n(system and schemas in characters.) compact with every tool: {compact} tokens, "
          f"{compact / full:.0%} of the full prompt's {full}; "
          f"{'within' if compact < BUDGET else 'OVER'} the {BUDGET}-token budget.")


if __name__ == "__main__":
    main()
