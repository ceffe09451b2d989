"""The langchain-openai chat model the OpenAI-compatible prefixes build (imported only when a
model is built: it imports langchain-openai)."""

from __future__ import annotations

from typing import Any

from langchain_openai import ChatOpenAI


class CompatChatOpenAI(ChatOpenAI):
    """``ChatOpenAI`` that sends ``max_tokens`` as ``max_tokens``.

    langchain-openai 1.x renames it to ``max_completion_tokens`` in every request, which OpenAI
    reads but llama.cpp, Ollama and LM Studio may ignore, leaving a small model free to ramble
    until its context fills."""

    def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if "max_completion_tokens" in payload and "max_tokens" not in payload:
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        return payload


def chat_model(*, model: str, base_url: str | None, api_key: str, timeout: float, max_retries: int,
               max_tokens: int, send_max_tokens: bool) -> Any:
    """A chat model at temperature 0 with a bounded wait: ``timeout`` seconds per try (connect,
    read and write each) and ``max_retries`` extra tries."""
    cls = CompatChatOpenAI if send_max_tokens else ChatOpenAI
    return cls(
        model=model, base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries,
        max_tokens=max_tokens, temperature=0,
    )
