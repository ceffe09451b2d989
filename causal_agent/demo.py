"""``causal-agent demo``: questions of every level about the bundled clinic example."""

from __future__ import annotations

from typing import Any

DEMO_QUESTIONS = [
    "Are stress and age independent?",
    "Is smoking independent of coughing given lung cancer?",
    "Are age and genetics independent given lung_cancer and smoking?",
    "Does smoking directly cause lung cancer?",
    "Do age and stress share a common effect?",
    "Do smoking and lung cancer have a common cause?",
    "Draw the causal graph.",
    "Show the causal graph over smoking, yellow fingers and lung cancer.",
    "What is the effect of smoking on lung cancer going from 0 to 1?",
]


def run_demo(model: Any = None, base_url: str | None = None, as_json: bool = False, *,
             model_config: Any = None) -> None:
    """Ask :data:`DEMO_QUESTIONS` of the clinic example. ``model_config`` (a ``ModelConfig``,
    e.g. from the CLI's flags) replaces the environment and the config file."""
    from rich.console import Console

    from .agent import CausalAgent
    from .display import print_answer
    from .examples import example_path

    console = Console()
    agent = CausalAgent(model=model, base_url=base_url, model_config=model_config)
    dataset = agent.load(example_path("clinic"), name="clinic")
    if not as_json:
        console.print(
            f"[bold]causal-agent demo[/] · dataset [cyan]clinic[/] ({dataset.profile.n_rows} rows; "
            f"variables: {', '.join(dataset.variables)}) · model [cyan]{agent.model_name}[/]"
        )
        for note in dataset.profile.notes:
            console.print(f"[dim]{note}[/]")
    for question in DEMO_QUESTIONS:
        answer = agent.ask(question)
        if as_json:
            print(answer.to_json())
        else:
            print_answer(answer, console)
