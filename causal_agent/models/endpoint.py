"""One clear line for a failed model call (:func:`model_error`), and the bounded wait behind it.

The wait is bounded by the chat model itself: the OpenAI-compatible backends build a
``ChatOpenAI`` with ``timeout`` (seconds for connect, each read and each write of one try) and
``max_retries`` (the openai client's extra tries, with a backoff of 0.5 s, 1 s, 2 s … capped at
8 s). A server that never replies therefore fails after about ``timeout × (retries + 1)`` seconds
plus the backoff; a cold local model that needs longer needs a larger ``--timeout``.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from ..errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    from .factory import ModelOptions


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _tries(retries: int) -> str:
    n = retries + 1
    return f"{n} try" if n == 1 else f"{n} tries"


def _endpoint(model: Any, options: ModelOptions | None) -> str | None:
    url = getattr(model, "openai_api_base", None) or getattr(model, "base_url", None)
    if not isinstance(url, str) or not url:
        url = options.base_url if options is not None else None
    if not url and any(cls.__name__ == "BaseChatOpenAI" for cls in type(model).__mro__):
        url = "https://api.openai.com/v1"  # the openai client's default
    return url.rstrip("/") if isinstance(url, str) and url else None


def _wait(model: Any, options: ModelOptions | None) -> tuple[float | None, int]:
    """Seconds per try and extra tries: the options' when given, else the model's own."""
    if options is not None:
        return options.timeout, options.retries
    timeout = getattr(model, "request_timeout", None)
    retries = getattr(model, "max_retries", None)
    ok_timeout = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    ok_retries = isinstance(retries, int) and not isinstance(retries, bool)
    return (float(timeout) if ok_timeout else None), (retries if ok_retries else 0)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _is_timeout(chain: list[BaseException]) -> bool:
    return any("Timeout" in type(e).__name__ or isinstance(e, TimeoutError) for e in chain)


def _is_refused(chain: list[BaseException]) -> bool:
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED:
            return True
        if "refused" in str(e).lower():
            return True
    return False


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else ""


def model_error(exc: Exception, model: Any, options: ModelOptions | None = None) -> ModelError:
    """A one-line ``ModelError`` for a failed model call: which endpoint, what happened, after
    how many tries and how long a wait, and what to do. ``options`` (``model_options``) gives the
    timeout and retries; without it they are read from the model."""
    url = _endpoint(model, options)
    timeout, retries = _wait(model, options)
    name = type(exc).__name__
    chain = _chain(exc)
    where = f" at {url}" if url else ""
    if _is_timeout(chain):
        target = url or "the model endpoint"
        per_try = " per try" if retries else ""
        waited = f" in {_seconds(timeout)}{per_try}" if timeout is not None else ""
        now = f" (now {_seconds(timeout)})" if timeout is not None else ""
        return ModelError(
            f"no reply from {target}{waited} ({_tries(retries)}); a cold local model can take minutes: "
            f"raise --timeout{now} or check the server"
        )
    if "Connection" in name or any(isinstance(e, ConnectionError) for e in chain):
        target = url or "the model endpoint"
        why = "connection refused" if _is_refused(chain) else (_first_line(exc) or name)
        return ModelError(
            f"cannot reach {target} ({why}) after {_tries(retries)}; is the server running? "
            "Check --base-url, or use --model offline to work without one"
        )
    if "Authentication" in name or "PermissionDenied" in name:
        return ModelError(f"the model endpoint{where} rejected the API key ({name}); set OPENAI_API_KEY")
    if "NotFound" in name:
        return ModelError(f"the model endpoint{where} does not know this model ({name}: {_first_line(exc)})")
    return ModelError(f"the model call failed{where}: {name}: {_first_line(exc)}")


__all__ = ["model_error"]
