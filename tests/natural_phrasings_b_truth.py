"""Ground truth for tests/natural_phrasings_b.jsonl, from the true clinic SCM only (not the tool).

The graph and coefficients are copied by hand from causal_agent/examples/make_examples.py
(CLINIC_EDGES); truth definitions follow tests/natural_phrasings_README.md exactly. Linear
effects are sums over directed paths of coefficient products, so they need no data.

Usage:  python tests/natural_phrasings_b_truth.py tests/natural_phrasings_b.jsonl          # check
        python tests/natural_phrasings_b_truth.py tests/natural_phrasings_b.jsonl --write  # rewrite
"""
from __future__ import annotations

import json
import math
import sys
from typing import Any

import networkx as nx

COEF: dict[tuple[str, str], float] = {
    ("age", "smoking"): 0.6, ("stress", "smoking"): 0.7, ("smoking", "lung_cancer"): 0.8,
    ("genetics", "lung_cancer"): 0.9, ("age", "lung_cancer"): 0.5,
    ("smoking", "yellow_fingers"): 1.1, ("lung_cancer", "coughing"): 0.9,
}
G = nx.DiGraph(list(COEF))
U = G.to_undirected()
NAME_ROLES = {"x", "y", "a", "b", "variable", "treatment", "outcome", "mediator", "z"}


def _paths(a: str, b: str) -> list[tuple[list[str], bool, list[str]]]:
    """Every simple skeleton path a..b as (nodes, directed a->b, colliders on it)."""
    out = []
    for p in nx.all_simple_paths(U, a, b):
        directed = all(G.has_edge(p[i], p[i + 1]) for i in range(len(p) - 1))
        colliders = [p[i] for i in range(1, len(p) - 1)
                     if G.has_edge(p[i - 1], p[i]) and G.has_edge(p[i + 1], p[i])]
        out.append((p, directed, colliders))
    return out


def _product(path: list[str]) -> float:
    return math.prod(COEF[(path[i], path[i + 1])] for i in range(len(path) - 1))


def total_effect(x: str, y: str) -> float:
    """Linear total effect of x on y: sum of coefficient products over directed paths."""
    return round(float(sum(_product(p) for p in nx.all_simple_paths(G, x, y))), 6)


def via(x: str, y: str, m: str) -> float:
    """Part of the total effect carried by directed paths that pass through m."""
    return round(float(sum(_product(p) for p in nx.all_simple_paths(G, x, y) if m in p[1:-1])), 6)


def explain_association(a: str, b: str) -> dict[str, Any]:
    open_paths = [(p, d) for p, d, c in _paths(a, b) if not c]
    causal = [p for p, d in open_paths
              if d or all(G.has_edge(p[i + 1], p[i]) for i in range(len(p) - 1))]
    noncausal = [p for p, _ in open_paths if p not in causal]
    if causal and noncausal:
        return {"causal": "partly"}
    if causal:
        return {"causal": "yes"}
    if noncausal:
        return {"causal": "no"}
    return {"causal": "no", "marginally_associated": False}


def adjustment(x: str, y: str, z: str) -> dict[str, Any]:
    """First match wins: mediator, confounder, collider, descendant_of_collider, descendant_of_treatment."""
    paths = _paths(x, y)
    noncausal = [(p, c) for p, d, c in paths if not d]
    if any(z in p[1:-1] for p, d, _ in paths if d):
        return {"role": "mediator", "adjust": False}
    if any(z in p[1:-1] and not c for p, c in noncausal):
        return {"role": "confounder", "adjust": True}
    if any(c == [z] for _, c in noncausal):
        return {"role": "collider", "adjust": False}
    if any(len(c) == 1 and z in nx.descendants(G, c[0]) and z not in p for p, c in noncausal):
        return {"role": "descendant_of_collider", "adjust": False}
    if z in nx.descendants(G, x):
        return {"role": "descendant_of_treatment", "adjust": False}
    return {"role": "none", "adjust": False}


def truth_for(q: dict[str, Any]) -> dict[str, Any] | str:
    r, tool = q["roles"], q["tool"]
    if q.get("ambiguous_roles"):
        a, b = r["a"], r["b"]
        d = "a->b" if nx.has_path(G, a, b) else "b->a" if nx.has_path(G, b, a) else "none"
        return {"directed_path": d}
    if tool == "causes_of":
        v = r["variable"]
        return {"parents": sorted(G.predecessors(v)), "ancestors": sorted(nx.ancestors(G, v))}
    if tool == "effects_of":
        v = r["variable"]
        return {"children": sorted(G.successors(v)), "descendants": sorted(nx.descendants(G, v))}
    if tool == "causes":
        return "yes" if nx.has_path(G, r["x"], r["y"]) else "no"
    if tool == "direct_cause":
        return "yes" if G.has_edge(r["x"], r["y"]) else "no"
    if tool == "estimate_effect":
        return {}
    if tool == "mediation":
        x, y, m = r["treatment"], r["outcome"], r["mediator"]
        dpaths = list(nx.all_simple_paths(G, x, y))
        t: dict[str, Any] = {"on_path": any(m in p[1:-1] for p in dpaths)}
        if q.get("asks_fully"):
            t["fully"] = bool(dpaths) and all(m in p[1:-1] for p in dpaths)
        return t
    if tool == "explain_association":
        return explain_association(r["a"], r["b"])
    if tool == "adjustment_advice":
        return adjustment(r["treatment"], r["outcome"], r["z"])
    if tool == "confidence":
        return {"edge": [r["x"], r["y"]], "in_true_dag": G.has_edge(r["x"], r["y"])}
    raise ValueError(f"unknown tool {tool!r} in {q['id']}")


def effect_for(q: dict[str, Any]) -> dict[str, Any] | None:
    """Informational effect sizes (top-level "effect"), kept out of "truth" so its format matches the first set."""
    r = q["roles"]
    if q.get("ambiguous_roles"):
        a, b = r["a"], r["b"]
        x, y = (a, b) if nx.has_path(G, a, b) else (b, a)
        return {"treatment": x, "outcome": y, "per_unit": total_effect(x, y)}
    if q["tool"] == "estimate_effect":
        beta = total_effect(r["treatment"], r["outcome"])
        c = r["contrast"]
        if c is None:
            change = beta
        elif "delta" in c:
            change = round(beta * c["delta"], 6)
        elif "from" in c:
            change = round(beta * (c["to"] - c["from"]), 6)
        else:  # {"to": v}: depends on each unit's baseline; mean baseline is about 0
            change = None
        return {"per_unit": beta, "contrast_change": change}
    if q["tool"] == "mediation":
        x, y, m = r["treatment"], r["outcome"], r["mediator"]
        tot, ind = total_effect(x, y), via(x, y, m)
        return {"total": tot, "via_mediator": ind, "not_via_mediator": round(tot - ind, 6)}
    return None


def _check_names(q: dict[str, Any]) -> None:
    for k, v in q["roles"].items():
        if k in NAME_ROLES and v not in G:
            raise SystemExit(f"{q['id']}: role {k}={v!r} is not a clinic column")


def main(argv: list[str]) -> int:
    path, write = argv[1], "--write" in argv
    rows = [json.loads(line) for line in open(path) if line.strip()]
    ids = [q["id"] for q in rows]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate ids")
    bad = 0
    for q in rows:
        _check_names(q)
        t, e = truth_for(q), effect_for(q)
        if write:
            q["truth"] = t
            if e is None:
                q.pop("effect", None)
            else:
                q["effect"] = e
        elif q["truth"] != t or q.get("effect") != e:
            bad += 1
            print("MISMATCH", q["id"], q["truth"], t, q.get("effect"), e)
    if write:
        with open(path, "w") as f:
            for q in rows:
                f.write(json.dumps(q) + "\n")
    print(len(rows), "rows,", bad, "mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
