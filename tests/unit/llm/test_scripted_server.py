"""The scripted OpenAI-compatible server, driven by the real openai client over a real socket."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import openai
import pytest

from medground.testing.scripted_server import Reply, Script, ScriptedServer

MESSAGES: Any = [{"role": "user", "content": "hi"}]


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[ScriptedServer] = []

    def _serve(script: Script | None = None, latency: float = 0.0) -> ScriptedServer:
        started.append(ScriptedServer(script, latency=latency).start())
        return started[-1]

    yield _serve
    for server in started:
        server.stop()


def client(server: ScriptedServer, timeout: float = 10.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=timeout)


def always(reply: Reply) -> Script:
    return lambda _n, _body: reply


def test_text_reply_and_usage(serve: Any) -> None:
    server = serve(always(Reply(content="a lesion", prompt_tokens=123, completion_tokens=7)))
    with client(server) as c:
        out = c.chat.completions.create(model="my-model", messages=MESSAGES)
    assert out.choices[0].message.content == "a lesion"
    assert out.choices[0].finish_reason == "stop"
    assert out.model == "my-model"
    assert out.id == "chatcmpl-0"
    assert out.usage is not None
    assert (out.usage.prompt_tokens, out.usage.completion_tokens) == (123, 7)
    assert out.usage.total_tokens == 130


def test_default_script_answers_ok_and_models_endpoint(serve: Any) -> None:
    server = serve()
    with client(server) as c:
        out = c.chat.completions.create(model="m", messages=MESSAGES)
        models = c.models.list()
    assert out.choices[0].message.content == "ok"
    assert [m.id for m in models.data] == ["scripted"]


def test_json_reply_is_parsed_by_the_client(serve: Any) -> None:
    payload = {"box": [1, 2, 30, 40], "label": "liver"}
    server = serve(always(Reply(kind="json", content=json.dumps(payload))))
    with client(server) as c:
        out = c.chat.completions.create(
            model="m", messages=MESSAGES, response_format={"type": "json_object"}
        )
    assert json.loads(out.choices[0].message.content or "") == payload
    assert server.requests[0]["response_format"] == {"type": "json_object"}


def test_empty_choices(serve: Any) -> None:
    with client(serve(always(Reply(kind="empty_choices")))) as c:
        assert c.chat.completions.create(model="m", messages=MESSAGES).choices == []


def test_429_carries_retry_after(serve: Any) -> None:
    server = serve(always(Reply(kind="status", status=429, retry_after=2)))
    with client(server) as c, pytest.raises(openai.RateLimitError) as info:
        c.chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "2"
    assert info.value.code == "rate_limit_exceeded"


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_internal_server_error(serve: Any, status: int) -> None:
    server = serve(always(Reply(kind="status", status=status)))
    with client(server) as c, pytest.raises(openai.InternalServerError) as info:
        c.chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.status_code == status
    assert "retry-after" not in info.value.response.headers


def test_malformed_body_raises_json_decode_error(serve: Any) -> None:
    # openai 3.x does not wrap it: the raw json.JSONDecodeError escapes from the client.
    with client(serve(always(Reply(kind="malformed")))) as c, pytest.raises(json.JSONDecodeError):
        c.chat.completions.create(model="m", messages=MESSAGES)


def test_drop_is_a_connection_error_not_a_hang(serve: Any) -> None:
    with client(serve(always(Reply(kind="drop"))), timeout=60.0) as c, \
            pytest.raises(openai.APIConnectionError) as info:
        c.chat.completions.create(model="m", messages=MESSAGES)
    assert type(info.value) is openai.APIConnectionError  # not APITimeoutError


def test_delay_beyond_client_timeout_times_out(serve: Any) -> None:
    server = serve(always(Reply(content="late", delay=3600.0)))
    with client(server, timeout=0.3) as c, pytest.raises(openai.APITimeoutError):
        c.chat.completions.create(model="m", messages=MESSAGES)
    assert server.in_flight == 1  # the handler is still sleeping in its hour-long delay
    server.stop()  # wakes it: nothing is left running
    assert server.in_flight == 0 and server.open_connections == 0


def test_64_concurrent_requests_overlap(serve: Any) -> None:
    # every handler waits until all 64 requests are being handled at once: a server that
    # answered one at a time would break the barrier and answer 500
    everyone = threading.Barrier(64)

    def script(n: int, body: dict[str, Any]) -> Reply:
        everyone.wait(timeout=60)
        return Reply(content="ok")

    server = serve(script)

    async def run() -> list[str | None]:
        async with openai.AsyncOpenAI(
            base_url=server.base_url, api_key="test", max_retries=0, timeout=10.0
        ) as c:
            calls = [
                c.chat.completions.create(model="m", messages=[{"role": "user", "content": str(i)}])
                for i in range(64)
            ]
            return [r.choices[0].message.content for r in await asyncio.gather(*calls)]

    contents = asyncio.run(run())
    assert contents == ["ok"] * 64
    assert len(server.requests) == 64 and server.peak_in_flight == 64


def test_requests_recorded_in_order_with_request_numbers(serve: Any) -> None:
    seen: list[int] = []

    def script(n: int, body: dict[str, Any]) -> Reply:
        seen.append(n)
        return Reply(content=f"answer {n}: {body['messages'][0]['content']}")

    server = serve(script)
    with client(server) as c:
        asks = [(f"m{i}", [{"role": "user", "content": f"q{i}"}]) for i in range(5)]
        outs = [c.chat.completions.create(model=m, messages=msgs) for m, msgs in asks]
    assert seen == [0, 1, 2, 3, 4]
    assert [r["messages"][0]["content"] for r in server.requests] == [f"q{i}" for i in range(5)]
    assert [r["model"] for r in server.requests] == [f"m{i}" for i in range(5)]
    assert outs[3].choices[0].message.content == "answer 3: q3"


def test_unknown_path_is_404(serve: Any) -> None:
    with client(serve()) as c, pytest.raises(openai.NotFoundError):
        c.embeddings.create(model="m", input="x")


def test_binds_loopback_and_stop_is_idempotent_and_frees_the_port() -> None:
    with ScriptedServer() as server:
        url = urlsplit(server.base_url)
        assert url.hostname == "127.0.0.1"
        assert url.path == "/v1"
        port = url.port
        assert port
        with client(server) as c:  # an idle keep-alive connection is open while stopping
            c.chat.completions.create(model="m", messages=MESSAGES)
            assert server.open_connections == 1
            server.stop()
            assert server.open_connections == 0
        server.stop()
    server.stop()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 1):
        pass
    with socket.socket() as sock:  # the same port can be listened on again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
