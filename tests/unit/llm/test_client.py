"""VLMClient against a real socket: retries, Retry-After, balancing, limits, cache, secrets."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from medground.llm.cache import RequestCache, request_key
from medground.llm.client import (
    IMAGE_TOKENS,
    ClientConfig,
    VLMClient,
    estimate_tokens,
    metered,
)
from medground.testing.scripted_server import Reply, ScriptedServer


def reqs(n: int, tag: str = "q") -> list[dict[str, Any]]:
    return [{"messages": [{"role": "user", "content": f"{tag} {i}"}], "prompt_version": "t"}
            for i in range(n)]


def client(*urls: str, cache: RequestCache | None = None, **kw: Any) -> VLMClient:
    kw.setdefault("backoff_base", 0.01)
    return VLMClient(ClientConfig(base_urls=urls, model="m", **kw), cache)


def failing_first(n_fail: int, reply: Reply) -> Any:
    def script(i: int, body: dict[str, Any]) -> Reply:
        return reply if i < n_fail else Reply(content="fine")
    return script


@pytest.mark.parametrize("bad", [
    Reply(kind="status", status=500), Reply(kind="status", status=503),
    Reply(kind="drop"), Reply(kind="malformed"), Reply(kind="empty_choices"),
    Reply(kind="status", status=429),
], ids=["500", "503", "drop", "malformed", "empty", "429"])
def test_transient_faults_are_retried(bad: Reply) -> None:
    with ScriptedServer(failing_first(2, bad)) as s, client(s.base_url) as c:
        [out] = c.run(reqs(1))
    assert out.error is None and out.text == "fine" and out.attempts == 3
    assert c.stats["retries"] == 2 and len(s.requests) == 3


def test_retry_after_is_honoured() -> None:
    bad = Reply(kind="status", status=429, retry_after=0.6)
    with ScriptedServer(failing_first(1, bad)) as s, client(s.base_url) as c:
        t0 = time.perf_counter()
        [out] = c.run(reqs(1))
        elapsed = time.perf_counter() - t0
    assert out.text == "fine" and elapsed >= 0.6


def test_timeouts_are_retried_then_reported() -> None:
    with ScriptedServer(lambda i, b: Reply(content="late", delay=1.0)) as s, \
            client(s.base_url, timeout=0.2, max_retries=2) as c:
        [out] = c.run(reqs(1))
    assert out.text is None and out.error is not None and "Timeout" in out.error
    assert out.attempts == 3 and len(s.requests) == 3


def test_client_errors_are_not_retried() -> None:
    with ScriptedServer(lambda i, b: Reply(kind="status", status=400)) as s, \
            client(s.base_url) as c:
        [out] = c.run(reqs(1))
    assert out.error is not None and out.error.startswith("HTTP 400") and len(s.requests) == 1


def test_in_flight_is_bounded() -> None:
    # the server counts requests it holds unanswered; each is held 0.3 s, so the client's
    # four concurrent slots fill up even on a loaded machine, and never a fifth
    slow = ScriptedServer(lambda i, b: Reply(content="x", delay=0.3))
    with slow as s, client(s.base_url, max_in_flight=4) as c:
        out = c.run(reqs(16))
    assert all(o.error is None for o in out) and len(s.requests) == 16
    assert s.peak_in_flight == 4 and s.in_flight == 0


def test_submitted_batches_share_the_slots_while_the_caller_goes_on() -> None:
    """``submit`` returns before any answer; batches submitted one after another are on the
    wire together, up to ``max_in_flight``; each batch's answers come back in its order."""
    slow = ScriptedServer(lambda i, b: Reply(content=b["messages"][0]["content"], delay=0.3))
    with slow as s, client(s.base_url, max_in_flight=6) as c:
        batches = [c.submit(reqs(2, tag=f"b{k}")) for k in range(3)]
        assert not any(b.done() for b in batches)  # each answer takes 0.3 s
        answers = [[o.text for o in b.result()] for b in batches]
    assert answers == [[f"b{k} 0", f"b{k} 1"] for k in range(3)]
    assert s.peak_in_flight == 6  # three batches of two at once


def test_a_withdrawn_batch_sends_nothing_more_and_its_usage_is_final() -> None:
    """Withdrawn while the first of five requests is on the wire (one slot): the other four
    are never sent; ``settle`` returns once nothing of the batch runs, with the one request
    counted in the caller's meter as withdrawn (on the wire, unanswered), not as answered."""
    slow = ScriptedServer(lambda i, b: Reply(content="x", delay=0.5))
    with slow as s, client(s.base_url, max_in_flight=1) as c, metered() as usage:
        batch = c.submit(reqs(5))
        deadline = time.monotonic() + 5
        while not s.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        batch.withdraw()
        batch.settle()
        assert batch.done() and batch.future.cancelled()
        time.sleep(0.6)  # what would have been sent next
        assert len(s.requests) == 1
    assert usage["withdrawn"] == 1 and usage["requests"] == 0


def test_requests_per_minute_limit() -> None:
    with ScriptedServer() as s, client(s.base_url, requests_per_minute=600) as c:
        t0 = time.perf_counter()
        c.run(reqs(15))  # a burst of 10, then 10 per second
        assert time.perf_counter() - t0 >= 0.45


def test_tokens_per_minute_limit() -> None:
    # each request is charged max_tokens (150) + its estimated prompt: more than the one-second
    # burst of 100 tokens; it must wait for a full bucket and pay off the debt, not wait forever
    with ScriptedServer() as s, client(s.base_url, tokens_per_minute=6000, max_tokens=150) as c:
        t0 = time.perf_counter()
        out = c.run(reqs(4))
        elapsed = time.perf_counter() - t0
    assert all(o.error is None for o in out)
    assert 3.5 <= elapsed < 12  # 600 tokens at 100 per second, the first 100 free


def test_images_are_charged_as_images_not_as_their_base64_text() -> None:
    # a 200 KB PNG as a data URL is ~270k characters: charged as text it would be ~67k tokens
    # and tokens_per_minute would throttle image requests a hundredfold
    url = "data:image/png;base64," + "A" * 270_000
    messages = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}},
                                             {"type": "text", "text": "x" * 400}]}]
    assert estimate_tokens(messages) == IMAGE_TOKENS + 100
    assert estimate_tokens([{"role": "user", "content": "y" * 80}]) == 20


def test_several_servers_share_the_load() -> None:
    with ScriptedServer(latency=0.05) as a, ScriptedServer(latency=0.05) as b, \
            client(a.base_url, b.base_url, max_in_flight=8) as c:
        c.run(reqs(40))
    assert len(a.requests) + len(b.requests) == 40
    assert min(len(a.requests), len(b.requests)) >= 10


def test_cache_makes_no_repeat_request(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path / "c.sqlite")
    with ScriptedServer(lambda i, b: Reply(content=f"answer {i}")) as s:
        with client(s.base_url, cache=cache) as c:
            first = c.run(reqs(5))
        with client(s.base_url, cache=RequestCache(tmp_path / "c.sqlite")) as c2:
            again = c2.run(reqs(5))
    assert len(s.requests) == 5 and c2.stats["cache_hits"] == 5
    assert [o.text for o in again] == [o.text for o in first] and all(o.cached for o in again)


def test_failed_answers_are_not_cached(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path / "c.sqlite")
    with ScriptedServer(lambda i, b: Reply(kind="status", status=400)) as s, \
            client(s.base_url, cache=cache) as c:
        c.run(reqs(2))
    assert len(cache) == 0


def test_cache_key_covers_what_determines_an_answer() -> None:
    msgs = [{"role": "user", "content": [{"type": "image_url",
                                           "image_url": {"url": "data:image/png;base64,AAAA"}}]}]
    base = request_key("m", msgs, {"temperature": 0}, "v1")
    assert base == request_key("m", msgs, {"temperature": 0}, "v1")
    assert base != request_key("m2", msgs, {"temperature": 0}, "v1")
    assert base != request_key("m", msgs, {"temperature": 0, "seed": 1}, "v1")
    assert base != request_key("m", msgs, {"temperature": 0}, "v2")
    other = [{"role": "user", "content": [{"type": "image_url",
                                            "image_url": {"url": "data:image/png;base64,BBBB"}}]}]
    assert base != request_key("m", other, {"temperature": 0}, "v1")


def test_nondeterministic_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="deterministic"):
        ClientConfig(base_urls=("http://127.0.0.1:1/v1",), model="m", temperature=0.7)
    ClientConfig(base_urls=("http://127.0.0.1:1/v1",), model="m", temperature=0.7, seed=3)


def test_api_key_never_shown(monkeypatch: pytest.MonkeyPatch,
                             caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("MEDGROUND_TEST_KEY", "sk-very-secret-123")
    caplog.set_level(logging.DEBUG)
    with ScriptedServer(failing_first(1, Reply(kind="status", status=500))) as s, \
            client(s.base_url, api_key_env="MEDGROUND_TEST_KEY") as c:
        out = c.run(reqs(1))
        text = repr(c) + repr(c.cfg) + str(out) + caplog.text
    assert "sk-very-secret-123" not in text
