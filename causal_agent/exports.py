"""The one folder the model's tools may write to (least privilege; OWASP LLM Top 10: excessive
agency).

A tool bound to a model (``export_graph``) writes only inside ``Settings.export_dir`` (default
``./causal-agent-exports``, relative to the working directory when the tool runs, created on first
use), never overwrites, and never follows a path out of it: the path is resolved (symlinks and
``..``) before it is checked, and the file is written to the resolved path. A bare file name goes
into the folder. Every refusal is one line that says what was refused and where exports go, so the
model (and the user reading its steps) can act on it.

The user's own commands (``/export``, ``/report``) are not confined: they write where the user
says and ask before overwriting (:mod:`causal_agent.repl_commands`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CausalAgentError

if TYPE_CHECKING:  # pragma: no cover
    from .context import Settings
    from .memory import ExportResult, GraphMemory


class ExportRefused(CausalAgentError):
    """A model-requested write outside the export folder, or onto an existing file."""


def export_folder(settings: Settings) -> Path:
    """``settings.export_dir`` as an absolute, resolved path (relative to the current working
    directory now). Not created here."""
    return Path(settings.export_dir).expanduser().resolve()


def confined_path(path: str, folder: Path) -> Path:
    """Where ``path`` (as a model gave it) lands inside ``folder``, resolved; ``ExportRefused`` if
    it resolves outside ``folder``, names the folder itself or an existing file (or symlink)."""
    where = f"exports go into {folder}"
    text = str(path or "").strip()
    if not text:
        raise ExportRefused(f"refused: no file name given; {where}; give a new file name such as graph.json")
    raw = Path(text).expanduser()
    candidate = raw if raw.is_absolute() else folder / raw
    resolved = candidate.resolve()
    if resolved == folder:
        raise ExportRefused(f"refused: {text!r} is the export folder {folder} itself; give a file name inside it")
    if folder not in resolved.parents:
        via = f" (it leads to {resolved})" if Path(os.path.normpath(candidate)) != resolved else ""
        raise ExportRefused(
            f"refused: {text!r} is outside the export folder {folder}{via}; give a file name inside it"
        )
    if candidate.is_symlink() or resolved.exists():
        raise ExportRefused(
            f"refused: {text!r} already exists in the export folder {folder}; exports never "
            "overwrite, give a new file name"
        )
    return resolved


def export_graph(memory: GraphMemory, key: str, path: str, settings: Settings) -> ExportResult:
    """Export the graph under ``key`` to ``path`` inside the export folder (see the module
    docstring); the folder is created on first use."""
    from .errors import GraphError
    from .memory import EXPORT_FORMATS

    folder = export_folder(settings)
    target = confined_path(path, folder)
    if target.suffix.lstrip(".").lower() not in EXPORT_FORMATS:
        shown = repr(target.suffix) if target.suffix else "no suffix"
        raise GraphError(
            f"cannot export to {path!r} ({shown}); supported formats: "
            + ", ".join("." + f for f in EXPORT_FORMATS)
        )
    memory.get(key)  # an unknown key is reported before any folder is made
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ExportRefused(
            f"refused: the export folder {folder} is not a folder; set export_dir (--export-dir) "
            "to a folder"
        ) from None
    if not target.parent.is_dir():
        raise ExportRefused(
            f"refused: folder {target.parent} does not exist inside the export folder {folder}; "
            "give a bare file name"
        )
    return memory.export(key, target, overwrite=False)


__all__ = ["ExportRefused", "confined_path", "export_folder", "export_graph"]
