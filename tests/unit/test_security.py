"""What must never leave medground: DICOM patient identifiers, API keys, files outside --out,
pickled objects. Each test plants marked values, runs the real command line, and greps every
byte it wrote (files, stdout, stderr)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import medground
from conftest import read_jsonl
from medground.demo.phantom import write_phantom_dataset
from medground.testing.hostile import PHI, write_corpus
from medground.testing.scripted_server import Reply, ScriptedServer

KEY = "sk-MARKED-4f1c9e-key"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "medground.cli", *args], capture_output=True,
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=600,
                          check=False)


def _written(out: Path, run: subprocess.CompletedProcess[bytes]) -> dict[str, bytes]:
    found = {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    found["<stdout>"], found["<stderr>"] = run.stdout, run.stderr
    return found


def _leaks(written: dict[str, bytes], secrets: list[str]) -> list[str]:
    return [f"{s!r} in {name}" for name, data in written.items() for s in secrets
            if s.encode() in data or s.encode("utf-16-le") in data]


def test_dicom_patient_identifiers_reach_no_output(tmp_path: Path) -> None:
    """Good and broken series alike carry marked name, ID, birth date and accession number."""
    corpus = write_corpus(tmp_path / "corpus")
    config = tmp_path / "dicom.yaml"
    config.write_text(json.dumps(corpus.configs["dicom"]), encoding="utf-8")
    out = tmp_path / "out"
    run = _cli("build", str(config), "--out", str(out))
    assert run.returncode == 0, run.stderr.decode()
    assert read_jsonl(out / "samples.jsonl"), "the good series must yield samples"
    assert read_jsonl(out / "errors.jsonl"), "the broken series must be reported"
    written = _written(out, run)
    secrets = [str(v) for v in PHI.values()]
    assert any(s.encode() in p.read_bytes() for p in (tmp_path / "corpus").rglob("*.dcm")
               for s in secrets[:1]), "the inputs must carry the marked values"
    assert not _leaks(written, secrets)
    # verify rewrites the dataset: it must not bring any identifier back either
    again = _cli("verify", str(out))
    assert again.returncode in (0, 1), again.stderr.decode()
    assert not _leaks(_written(out, again), secrets)


def _leaky_server(i: int, body: dict[str, Any]) -> Reply:
    """Every third request fails with an error message that echoes the key (a proxy that
    repeats the Authorization header); the others answer well."""
    if i % 3 == 0:
        return Reply(kind="status", status=401, content=f"invalid key Bearer {KEY}")
    text = json.dumps(body["messages"])
    if "Write " in text:
        return Reply(kind="json", content=json.dumps({"queries": ["Find the liver."]}))
    return Reply(kind="json", content=json.dumps({"supported": True, "unique": True,
                                                  "reason": "clear"}))


def test_api_key_reaches_no_log_manifest_or_record(tmp_path: Path) -> None:
    data = write_phantom_dataset(tmp_path / "data", n_cases=1, seed=3, orientations=("RAS",))
    with ScriptedServer(_leaky_server) as server:
        config = tmp_path / "vlm.yaml"
        config.write_text(json.dumps({
            "name": "key", "source": {"type": "nifti", "root": str(data),
                                      "dataset_json": "dataset.json"},
            "slicing": {"planes": ["axial"]},
            "queries": {"synthesizer": "vlm", "per_target": 1},
            "verify": {"stages": ["format", "geometry", "priors", "judge", "vlm_judge"]},
            "vlm": {"base_url": server.base_url, "model": "scripted", "max_retries": 0,
                    "api_key_env": "MEDGROUND_MARKED_KEY"}}), encoding="utf-8")
        out = tmp_path / "out"
        run = _cli("build", str(config), "--out", str(out), env={"MEDGROUND_MARKED_KEY": KEY})
    assert run.returncode in (0, 1), run.stderr.decode()
    assert server.authorizations and set(server.authorizations) == {f"Bearer {KEY}"}
    written = _written(out, run)
    records = b"".join(written[str(out / n)] for n in ("errors.jsonl", "rejects.jsonl")
                       if str(out / n) in written)
    assert b"invalid key Bearer ***" in records, "the failed requests must be recorded"
    assert not _leaks(written, [KEY, KEY[3:]])


def test_no_output_path_escapes_out(tmp_path: Path) -> None:
    """Case names and file names that look like paths (``..``, slashes, absolute) never put a
    file outside --out."""
    corpus = write_corpus(tmp_path / "corpus")
    raw = corpus.configs["folder2d"]
    good = raw["source"]["pairs"][0]
    raw["source"]["pairs"] = [
        {**good, "case": "../../escaped"},
        {**good, "case": "/tmp/absolute-escape"},
        {**good, "case": "..\\..\\windows"},
        {**good, "case": "a/../../../b"},
    ]
    config = tmp_path / "paths.yaml"
    config.write_text(json.dumps(raw), encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "deep" / "out"
    run = _cli("build", str(config), "--out", str(out))
    assert run.returncode == 0, run.stderr.decode()
    assert len({s["case"] for s in read_jsonl(out / "samples.jsonl")}) == 4
    created = {p for p in tmp_path.rglob("*")} - before
    outside = [p for p in created if not p.resolve().is_relative_to(out.resolve())
               and p not in (out, out.parent)]
    assert not outside, outside
    assert not Path("/tmp/absolute-escape").exists()
    for p in out.rglob("*"):
        assert ".." not in p.relative_to(out).parts


_PICKLERS = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "shelve", "joblib", "marshal"}


def test_no_pickle_anywhere() -> None:
    """No module imports a pickler, and no load call allows pickles (np.load, torch.load)."""
    found = []
    for path in Path(medground.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            if _PICKLERS & set(names):
                found.append(f"{path.name}:{node.lineno} imports {names}")
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "allow_pickle" and not (
                            isinstance(kw.value, ast.Constant) and kw.value.value is False):
                        found.append(f"{path.name}:{node.lineno} allow_pickle")
                func = node.func
                torch_load = (isinstance(func, ast.Attribute) and func.attr == "load"
                              and isinstance(func.value, ast.Name) and func.value.id == "torch")
                safe = any(k.arg == "weights_only" and isinstance(k.value, ast.Constant)
                           and k.value.value is True for k in node.keywords)
                if torch_load and not safe:
                    found.append(f"{path.name}:{node.lineno} torch.load without weights_only")
    assert not found, found


@pytest.mark.parametrize("source, expect", [
    ("import pickle\n", True), ("from joblib import load\n", True),
    ("np.load(p, allow_pickle=True)\n", True), ("torch.load(p)\n", True),
    ("np.load(p)\n", False), ("torch.load(p, weights_only=True)\n", False)])
def test_the_pickle_scan_sees_what_it_looks_for(source: str, expect: bool,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "fake"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "mod.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr(medground, "__file__", str(pkg / "__init__.py"))
    if expect:
        with pytest.raises(AssertionError):
            test_no_pickle_anywhere()
    else:
        test_no_pickle_anywhere()
