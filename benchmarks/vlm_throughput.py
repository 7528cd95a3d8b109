"""Claim: the VLM client keeps a server busy and replays cached answers fast (issue 5).

Against the scripted OpenAI-compatible server with a fixed 200 ms latency on 127.0.0.1:
- requests per second at 1, 8, 32 and 64 in flight (a batch of 4 x in-flight requests, at
  least 32, on a client whose loop and first connection are up, as in a build where the
  client lives for the whole worker), as a share of the ideal (in-flight / latency) and as a
  multiple of a plain sequential loop with the official client (target: >= 80 % of ideal at
  32 in flight);
- a cached re-run of a finished batch, as a multiple of the first run's speed (target >= 50x).

    .venv/bin/python benchmarks/vlm_throughput.py [--latency 0.2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import openai

from medground.llm.cache import RequestCache
from medground.llm.client import ClientConfig, VLMClient
from medground.testing.scripted_server import Reply, ScriptedServer


def requests(n: int, tag: str) -> list[dict[str, object]]:
    return [{"messages": [{"role": "user", "content": f"{tag} question {i}"}],
             "prompt_version": "bench"} for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.2)
    args = ap.parse_args()
    lat = args.latency
    with ScriptedServer(lambda i, body: Reply(content="ok", delay=lat)) as server:
        plain = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        n_seq = 10
        t0 = time.perf_counter()
        for i in range(n_seq):
            plain.chat.completions.create(model="m", messages=[{"role": "user", "content": str(i)}])
        seq_rps = n_seq / (time.perf_counter() - t0)
        plain.close()
        print(f"sequential loop (official client): {seq_rps:6.2f} req/s")
        print(f"{'in flight':>9s} {'requests':>8s} {'req/s':>8s} {'ideal':>8s} {'of ideal':>9s} "
              f"{'x sequential':>12s}")
        share: dict[int, float] = {}
        for k in (1, 8, 32, 64):
            n = max(32, 4 * k)
            with VLMClient(ClientConfig(base_urls=(server.base_url,), model="m",
                                        max_in_flight=k)) as client:
                client.run(requests(1, f"warm{k}"))  # start the loop and one connection
                t0 = time.perf_counter()
                out = client.run(requests(n, f"k{k}"))
                rps = n / (time.perf_counter() - t0)
            assert all(c.error is None for c in out)
            ideal = k / lat
            share[k] = rps / ideal
            print(f"{k:9d} {n:8d} {rps:8.1f} {ideal:8.1f} {rps / ideal:9.1%} {rps / seq_rps:12.1f}")
        with tempfile.TemporaryDirectory() as tmp:
            cache = RequestCache(Path(tmp) / "cache.sqlite")
            client = VLMClient(ClientConfig(base_urls=(server.base_url,), model="m",
                                            max_in_flight=32), cache)
            client.run(requests(1, "warm-cache"))
            batch = requests(256, "cache")
            t0 = time.perf_counter()
            client.run(batch)
            first = time.perf_counter() - t0
            before = len(server.requests)
            t0 = time.perf_counter()
            again = client.run(batch)
            second = time.perf_counter() - t0
            assert all(c.cached for c in again) and len(server.requests) == before
            client.close()
            print(f"cache: first run {first:.2f} s, cached re-run {second:.3f} s "
                  f"({first / second:.0f}x faster, {len(server.requests) - before} new requests)")
    ok = share[32] >= 0.8 and first / second >= 50
    print(f"target >= 80% of ideal at 32 in flight ({share[32]:.1%}) and a cached re-run >= 50x "
          f"faster ({first / second:.0f}x): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
