"""The hostile corpus (medground.testing.hostile): every broken, absurd or malicious file gives
exactly one clear error record (its code, the file, what is wrong), the build goes on, and the
good cases beside them still yield samples."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from conftest import read_jsonl
from medground.build import build
from medground.config import parse_config
from medground.testing.hostile import Corpus, write_corpus

#: a generous bound: the corpus builds in about a second; a regression to one full-size mask
#: per component (10^5 of them) or a read of a declared 10^18 voxels would take far longer
SECONDS = 60.0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return write_corpus(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def built(corpus: Corpus) -> dict[str, Path]:
    outs = {}
    for kind, raw in corpus.configs.items():
        out = corpus.root / f"out-{kind}"
        start = time.perf_counter()
        build(parse_config(raw, base_dir=corpus.root), out)
        assert time.perf_counter() - start < SECONDS, f"{kind} corpus build too slow"
        outs[kind] = out
    return outs


def _errors(out: Path) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for e in read_jsonl(out / "errors.jsonl"):
        found.setdefault(e["case"], []).append(e)
    return found


@pytest.mark.parametrize("kind", ["folder2d", "volume", "dicom"])
def test_every_hostile_case_gives_its_one_error(corpus: Corpus, built: dict[str, Path],
                                                kind: str) -> None:
    errors = _errors(built[kind])
    wrong = []
    for case in corpus.hostile(kind):
        got = errors.get(case.case, [])
        if [e["code"] for e in got] != [case.code]:
            wrong.append(f"{case.case} ({case.what}): expected [{case.code}], got "
                         f"{[(e['code'], e['message']) for e in got]}")
            continue
        record = got[0]
        assert record["fatal"] is True
        assert record["file"] and record["message"], record
    assert not wrong, "\n".join(wrong)
    known = {c.case for c in corpus.cases if c.source == kind}
    assert set(errors) <= known, f"records for cases not in the corpus: {set(errors) - known}"


@pytest.mark.parametrize("kind", ["folder2d", "volume", "dicom"])
def test_good_cases_beside_them_still_yield_samples(corpus: Corpus, built: dict[str, Path],
                                                    kind: str) -> None:
    errors = _errors(built[kind])
    kept = {s["case"] for s in read_jsonl(built[kind] / "samples.jsonl")}
    for case in corpus.good(kind):
        assert case.case not in errors, errors[case.case]
        assert case.case in kept, f"good case {case.case!r} yielded no sample"
    assert not kept & {c.case for c in corpus.hostile(kind)}


def test_file_fields_name_the_file_inside_the_root(corpus: Corpus, built: dict[str, Path]) -> None:
    """Records name the file relative to the source root (DICOM: by role, never by path)."""
    for kind in ("folder2d", "volume"):
        for records in _errors(built[kind]).values():
            for e in records:
                assert not Path(e["file"]).is_absolute(), e
    for records in _errors(built["dicom"]).values():
        for e in records:
            assert e["file"] in (f"series of {e['case']}", f"label of {e['case']}"), e


def test_corpus_covers_the_issue_list(corpus: Corpus) -> None:
    codes = {c.code for c in corpus.hostile()}
    assert {"EMPTY_FILE", "CORRUPT_FILE", "WRONG_FORMAT", "TOO_LARGE", "NON_FINITE", "BAD_AFFINE",
            "BAD_LABEL_MAP", "SHAPE_MISMATCH", "AFFINE_MISMATCH", "OUTSIDE_ROOT",
            "NONUNIFORM_SPACING", "MULTIPLE_SERIES", "TOO_MANY_INSTANCES"} <= codes
    big = [p for p in corpus.root.rglob("*") if p.is_file() and p.stat().st_size > 2**20]
    assert not big, f"absurd sizes must be declared, not written: {big}"
