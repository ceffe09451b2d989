"""Token counts for prompt budgets, offline only.

No tokenizer may download anything at run time. tiktoken's ``o200k_base`` (else ``cl100k_base``)
is used only when its encoding file is already in tiktoken's local cache, at the path tiktoken
itself would read (``$TIKTOKEN_CACHE_DIR``, else ``$DATA_GYM_CACHE_DIR``, else
``<tmp>/data-gym-cache``; the file is named by the SHA-1 of the encoding's URL) and with the
SHA-256 tiktoken checks: a missing or damaged file would make tiktoken fetch it, so then the
count is the stated conservative estimate, one token per three characters (English prose and
JSON run at about four characters a token).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ESTIMATE = "chars/3 (conservative estimate; no offline tokenizer installed)"

_BASE_URL = "https://openaipublic.blob.core.windows.net/encodings/"
#: encoding -> the SHA-256 of its file (tiktoken_ext.openai_public), best first
_ENCODINGS: tuple[tuple[str, str], ...] = (
    ("o200k_base", "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
    ("cl100k_base", "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
)


@dataclass(frozen=True)
class TokenCount:
    """A token count and how it was made."""

    n: int
    method: str

    def __str__(self) -> str:
        return f"{self.n} tokens ({self.method})"


def tiktoken_cache_dir() -> Path | None:
    """The folder tiktoken reads cached encodings from (``tiktoken/load.py``); None when caching
    is off (``TIKTOKEN_CACHE_DIR=""``), as then every use would download."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        cache = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        cache = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        cache = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    return Path(cache) if cache else None


def cached_encoding_file(name: str) -> Path:
    """Where tiktoken keeps encoding ``name`` once downloaded (it may not be there)."""
    cache = tiktoken_cache_dir() or Path(tempfile.gettempdir()) / "data-gym-cache"
    return cache / hashlib.sha1(f"{_BASE_URL}{name}.tiktoken".encode()).hexdigest()


def _verified(name: str, sha256: str) -> bool:
    if tiktoken_cache_dir() is None:
        return False
    path = cached_encoding_file(name)
    try:
        return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    except OSError:
        return False


@lru_cache(maxsize=1)
def _offline_encoding() -> tuple[Any, str] | None:
    """(encoding, name) of the first tiktoken encoding whose verified file is cached, else None.
    tiktoken is imported only then, and reads that file without touching the network."""
    for name, sha256 in _ENCODINGS:
        if not _verified(name, sha256):
            continue
        try:
            import tiktoken

            return tiktoken.get_encoding(name), name
        except Exception:  # not installed, or a broken install: the estimate
            return None
    return None


def count_tokens(text: str) -> TokenCount:
    """Tokens in ``text``: tiktoken when its encoding is cached offline, else ``ceil(chars / 3)``."""
    found = _offline_encoding()
    if found is not None:
        enc, name = found
        return TokenCount(n=len(enc.encode(text, disallowed_special=())), method=f"tiktoken {name} (cached)")
    return TokenCount(n=math.ceil(len(text) / 3), method=ESTIMATE)


def schemas_json(schemas: Sequence[dict[str, Any]]) -> str:
    """The tool schemas as the OpenAI client sends them (``json.dumps`` with compact separators,
    non-ASCII kept, like httpx and openai-python)."""
    return json.dumps(list(schemas), ensure_ascii=False, separators=(",", ":"))


def prompt_tokens(system: str, schemas: Sequence[dict[str, Any]]) -> TokenCount:
    """Tokens of a system prompt plus the tool schemas, each counted on its own and summed."""
    a, b = count_tokens(system), count_tokens(schemas_json(schemas) if schemas else "")
    return TokenCount(n=a.n + b.n, method=a.method)
