"""Requests to OpenAI-compatible servers (vLLM, SGLang, Ollama, LMDeploy, hosted APIs).

The official ``openai`` async client does the HTTP; this module owns what a dataset build
needs around it: a bounded number of requests in flight, request and token rate limits,
retries with exponential backoff and jitter on 429 / 5xx / timeouts / dropped connections
(honouring ``Retry-After``), several base URLs balanced by load, the on-disk request cache, and
usage accounting. The API key is read from an environment variable and never logged.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Coroutine, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from medground.llm.cache import RequestCache, request_key

#: the counter that also receives the usage of ``run`` calls made in this context (a case)
_METER: ContextVar[Counter[str] | None] = ContextVar("medground_vlm_meter", default=None)


@contextlib.contextmanager
def metered() -> Iterator[Counter[str]]:
    """Count the usage (requests, cache hits, tokens, retries, errors) of every ``run`` made
    by this thread inside the block, separately from other threads running at the same time."""
    usage: Counter[str] = Counter()
    token = _METER.set(usage)
    try:
        yield usage
    finally:
        _METER.reset(token)


@dataclass(frozen=True)
class ClientConfig:
    base_urls: tuple[str, ...]
    model: str
    api_key_env: str | None = "OPENAI_API_KEY"
    temperature: float = 0.0
    seed: int | None = None
    max_tokens: int = 256
    timeout: float = 60.0
    max_in_flight: int = 8
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        if not self.base_urls:
            raise ValueError("at least one base_url is needed")
        if self.temperature > 0 and self.seed is None:
            raise ValueError("requests must be deterministic to be cached: set temperature 0 "
                             "or a seed")

    def api_key(self) -> str:
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
        return key or "EMPTY"  # local servers (vLLM, Ollama) accept any key


@dataclass
class Completion:
    text: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    attempts: int = 0
    base_url: str | None = None
    error: str | None = None  # set when no answer could be had; the caller records it

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens}


@dataclass
class _Bucket:
    """A token bucket: ``rate`` units per minute, bursting up to one second's worth."""

    rate: float
    level: float = field(init=False)
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.level = self.capacity

    @property
    def capacity(self) -> float:
        return max(1.0, self.rate / 60.0)  # a one-second burst

    async def take(self, units: float) -> None:
        """Wait until ``units`` may be spent. A request larger than the burst waits for a full
        bucket and leaves it in debt, so it is paid for over the following time (it would
        otherwise wait forever)."""
        need = min(units, self.capacity)
        while True:
            now = time.monotonic()
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate / 60.0)
            self.stamp = now
            if self.level >= need:
                self.level -= units
                return
            await asyncio.sleep((need - self.level) * 60.0 / self.rate)


def retry_after_seconds(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class VLMClient:
    """``run(requests)`` answers a batch of chat requests, from the cache where possible."""

    def __init__(self, cfg: ClientConfig, cache: RequestCache | None = None) -> None:
        self.cfg = cfg
        self.cache = cache
        self.stats: Counter[str] = Counter()
        self._start_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._clients: dict[str, Any] = {}

    def __repr__(self) -> str:  # never shows the key
        return f"VLMClient(model={self.cfg.model!r}, base_urls={list(self.cfg.base_urls)!r})"

    def run(self, requests: Sequence[dict[str, Any]]) -> list[Completion]:
        """Answer a batch; each request has ``messages``, ``prompt_version`` and optionally
        ``response_format``. Calls share one event loop (a background thread), the HTTP clients
        and their connections, so many small batches cost no more than one large one. Several
        threads may call it at once: their requests share the in-flight bound and the rate
        limits, and each thread's usage goes to its own ``metered`` counter."""
        return self.submit(requests).result()

    def submit(self, requests: Sequence[dict[str, Any]]) -> Batch:
        """Send a batch and return at once: the caller goes on (prepares the next batch) while
        this one waits for a free slot of ``max_in_flight``. Usage goes to the caller's
        ``metered`` counter, as with ``run``."""
        with self._start_lock:
            if self._loop is None:
                self._start()
        loop = self._loop
        assert loop is not None
        batch = Batch(len(requests), loop)
        meter = _METER.get()
        loop.call_soon_threadsafe(batch.begin, self._run(requests, meter))
        return batch

    def _start(self) -> None:
        import openai

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="medground-vlm")
        self._thread.start()

        async def setup() -> None:
            self._clients = {url: openai.AsyncOpenAI(base_url=url, api_key=self.cfg.api_key(),
                                                     timeout=self.cfg.timeout, max_retries=0)
                             for url in self.cfg.base_urls}
            self._load = dict.fromkeys(self.cfg.base_urls, 0)
            self._sem = asyncio.Semaphore(self.cfg.max_in_flight)
            self._rpm = (_Bucket(self.cfg.requests_per_minute)
                         if self.cfg.requests_per_minute else None)
            self._tpm = (_Bucket(self.cfg.tokens_per_minute)
                         if self.cfg.tokens_per_minute else None)

        asyncio.run_coroutine_threadsafe(setup(), self._loop).result()

    def close(self) -> None:
        """Close connections and stop the loop thread (also done at interpreter exit)."""
        if self._loop is None:
            return

        async def shutdown() -> None:
            for c in self._clients.values():
                await c.close()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join()
        self._loop.close()
        self._loop, self._thread, self._clients = None, None, {}

    def __enter__(self) -> VLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _run(self, requests: Sequence[dict[str, Any]],
                   meter: Counter[str] | None) -> list[Completion]:
        """One Completion per request, in order; a request that raised (whatever the answer
        or the cache did) is a Completion with ``error`` set, never an exception through the
        batch: the other answers are kept."""
        _METER.set(meter)  # this task's context, copied into the tasks gather makes
        answers = await asyncio.gather(*(self._one(self._clients, r) for r in requests),
                                       return_exceptions=True)
        out: list[Completion] = []
        for answer in answers:
            if isinstance(answer, Completion):
                out.append(answer)
            elif isinstance(answer, Exception):
                self._count("errors")
                out.append(Completion(text=None, error=f"{type(answer).__name__}: "
                                                       f"{_short(answer, self.cfg.api_key())}"))
            else:  # a cancellation or an interpreter exit goes on up
                raise answer
        return out

    def _count(self, key: str, n: int = 1) -> None:
        self.stats[key] += n
        meter = _METER.get()
        if meter is not None:
            meter[key] += n

    def _params(self, request: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"temperature": self.cfg.temperature,
                                  "max_tokens": self.cfg.max_tokens}
        if self.cfg.seed is not None:
            params["seed"] = self.cfg.seed
        if request.get("response_format") is not None:
            params["response_format"] = request["response_format"]
        return params

    async def _one(self, clients: dict[str, Any], request: dict[str, Any]) -> Completion:
        params = self._params(request)
        key = request_key(self.cfg.model, request["messages"], params,
                          str(request.get("prompt_version", "")))
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self._count("cache_hits")
            return Completion(text=hit["text"], prompt_tokens=hit["prompt_tokens"],
                              completion_tokens=hit["completion_tokens"], cached=True)
        async with self._sem:
            result = await self._with_retries(clients, request["messages"], params)
        if result.error is None and self.cache is not None:
            self.cache.put(key, result.to_dict())
        self._count("prompt_tokens", result.prompt_tokens)
        self._count("completion_tokens", result.completion_tokens)
        return result

    async def _with_retries(self, clients: dict[str, Any], messages: list[dict[str, Any]],
                            params: dict[str, Any]) -> Completion:
        import openai

        last = "no attempt"
        for attempt in range(self.cfg.max_retries + 1):
            if self._rpm:
                await self._rpm.take(1)
            if self._tpm:
                await self._tpm.take(self.cfg.max_tokens + estimate_tokens(messages))
            url = min(self._load, key=lambda u: self._load[u])  # least loaded server
            self._load[url] += 1
            wait: float | None = None
            try:
                resp = await self._send(clients[url], messages, params)
                text = answer_text(resp)
                prompt_tokens, completion_tokens = _usage(resp)
                return Completion(text=text, attempts=attempt + 1, prompt_tokens=prompt_tokens,
                                  completion_tokens=completion_tokens, base_url=url)
            except openai.APIStatusError as exc:
                last = f"HTTP {exc.status_code}: {_short(exc, self.cfg.api_key())}"
                if exc.status_code not in (408, 409, 429) and exc.status_code < 500:
                    self._count("errors")
                    return Completion(text=None, attempts=attempt + 1, error=last)
                wait = retry_after_seconds(exc.response.headers)
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                last = f"{type(exc).__name__}: {_short(exc, self.cfg.api_key())}"
            except (openai.APIResponseValidationError, ValueError) as exc:  # malformed answer
                # (MalformedAnswer is a ValueError)
                last = f"malformed answer: {_short(exc, self.cfg.api_key())}"
            finally:
                self._load[url] -= 1
            if attempt < self.cfg.max_retries:
                self._count("retries")
                backoff = min(self.cfg.backoff_max, self.cfg.backoff_base * 2 ** attempt)
                delay = wait if wait is not None else backoff
                await asyncio.sleep(delay * (1 + 0.25 * random.random()))  # jitter
        self._count("errors")
        return Completion(text=None, attempts=self.cfg.max_retries + 1, error=last)

    async def _send(self, client: Any, messages: list[dict[str, Any]],
                    params: dict[str, Any]) -> Any:
        """One HTTP attempt, counted once it has an outcome: ``requests`` when the server
        answered or the attempt failed, ``withdrawn`` when its case gave it up on the wire
        (a failed or interrupted case), which the server may or may not have received."""
        try:
            resp = await client.chat.completions.create(model=self.cfg.model,
                                                        messages=messages, **params)
        except asyncio.CancelledError:
            self._count("withdrawn")
            raise
        except Exception:
            self._count("requests")
            raise
        self._count("requests")
        return resp


class Batch:
    """Answers on their way (``VLMClient.submit``). ``withdraw()`` is for a caller that no
    longer wants them (its case failed or was interrupted): what is not answered yet is
    cancelled, requests waiting for a slot are never sent; ``settle()`` waits until nothing
    of the batch runs any more, so that its usage (``metered``) is final."""

    def __init__(self, size: int, loop: asyncio.AbstractEventLoop) -> None:
        self.size = size  # requests
        self.future: concurrent.futures.Future[list[Completion]] = concurrent.futures.Future()
        self._loop = loop
        self._task: asyncio.Task[list[Completion]] | None = None

    def begin(self, work: Coroutine[Any, Any, list[Completion]]) -> None:
        """On the loop: run ``work``; the future gets its outcome once it has ended."""
        self._task = self._loop.create_task(work)
        self._task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[list[Completion]]) -> None:
        if self.future.done():  # cancelled by its holder: nobody waits for the outcome
            return
        if task.cancelled():
            self.future.cancel()
            self.future.set_running_or_notify_cancel()  # wakes concurrent.futures.wait()
        elif (exc := task.exception()) is not None:
            self.future.set_exception(exc)
        else:
            self.future.set_result(task.result())

    def done(self) -> bool:
        return self.future.done()

    def result(self) -> list[Completion]:
        return self.future.result()

    def withdraw(self) -> None:
        def cancel() -> None:  # after begin: callbacks run in the order they were scheduled
            if self._task is not None:
                self._task.cancel()

        if not self.future.done():
            with contextlib.suppress(RuntimeError):  # the client was closed: nothing runs
                self._loop.call_soon_threadsafe(cancel)

    def settle(self, timeout: float | None = None) -> None:
        concurrent.futures.wait([self.future], timeout)


class MalformedAnswer(ValueError):
    """An HTTP 200 answer with no message to read: no choices, a null choice or message, a
    content that is not text. Retried like a dropped connection (a server glitch)."""


def answer_text(resp: Any) -> str | None:
    """The assistant text of a chat completion; None when its content is null (a refusal, a
    tool call: an answer with no text, which the caller reports as such)."""
    choices = getattr(resp, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise MalformedAnswer("answer has no choices")
    message = getattr(choices[0], "message", None)
    if message is None:
        raise MalformedAnswer("the answer's choices[0].message is null")
    content = getattr(message, "content", None)
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts, as some servers send them
        texts = [p.get("text") if isinstance(p, dict) else getattr(p, "text", None)
                 for p in content]
        if all(isinstance(t, str) for t in texts):
            return "".join(t for t in texts if isinstance(t, str))
    raise MalformedAnswer(f"the answer's content is a {type(content).__name__}, not text")


def _usage(resp: Any) -> tuple[int, int]:
    """Prompt and completion tokens an answer reports (0 for what it leaves out or garbles)."""
    usage = getattr(resp, "usage", None)

    def tokens(name: str) -> int:
        value = getattr(usage, name, None)
        return value if isinstance(value, int) and value >= 0 else 0

    return tokens("prompt_tokens"), tokens("completion_tokens")


#: what one image is charged against ``tokens_per_minute`` (a 1024 x 1024 image at OpenAI's
#: high detail; servers count differently, and the base64 text is not what they count)
IMAGE_TOKENS = 765


def estimate_tokens(messages: list[dict[str, Any]]) -> int:
    """Prompt tokens of a request, roughly: a quarter of the text's characters, plus
    ``IMAGE_TOKENS`` per image."""
    chars = images = 0
    for m in messages:
        content = m.get("content", "")
        if not isinstance(content, list):
            chars += len(str(content))
            continue
        for part in content:
            if part.get("type") == "image_url":
                images += 1
            else:
                chars += len(str(part.get("text", "")))
    return chars // 4 + images * IMAGE_TOKENS


def _short(exc: Exception, secret: str = "") -> str:
    """The first line of ``exc``'s message, with ``secret`` (the API key) masked: a server or
    proxy may echo the key it was sent, and error text reaches error records and logs."""
    text = str(exc)
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text.splitlines()[0][:200] if text else type(exc).__name__
