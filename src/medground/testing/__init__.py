"""Test tooling: scripted servers, tiny models, generated scenes. Never imported by the
runtime (medground itself); tests, benchmarks and `make` targets use it."""
