"""The report's figures as one self-contained HTML page.

Everything is inline (CSS, the filter script, images as data URIs) and nothing points outside
the page; a Content-Security-Policy allows only the page's own script (by its hash), so even a
mistake in escaping could not run injected code. Every text that comes from data or a model
(queries, labels, reasons, file names, messages) goes through :func:`esc`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from importlib import resources

from medground.report.figures import (
    Distribution,
    ErrorsFigure,
    EvalFigure,
    Figures,
    FunnelFigure,
    RejectsFigure,
    SplitFigure,
)
from medground.report.render_gallery import esc, gallery_section


def num(n: int) -> str:
    return f"{n:,}"


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool]) -> str:
    """A table of already-escaped cells; ``numeric`` right-aligns columns."""
    def cell(tag: str, text: str, n: bool) -> str:
        attr = ' class="n"' if n else ""
        return f"<{tag}{attr}>{text}</{tag}>"

    head_html = "".join(cell("th", h, n) for h, n in zip(head, numeric, strict=True))
    body = "".join("<tr>" + "".join(cell("td", c, n) for c, n in zip(r, numeric, strict=True))
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head_html}</tr></thead><tbody>{body}</tbody></table>"


def bar(parts: Sequence[tuple[str, float]]) -> str:
    """A horizontal bar of ``(css class, percent)`` segments."""
    spans = "".join(f'<span class="{cls}" style="width:{max(0.0, pct):.1f}%"></span>'
                    for cls, pct in parts)
    return f'<div class="bar">{spans}</div>'


def _header(f: Figures) -> str:
    counts = dict(f.counts)
    cases = dict(f.cases)
    tiles = [("samples kept", f.kept), ("rejected", f.rejects.records),
             ("images", counts.get("images", 0)), ("cases", cases.get("total", 0)),
             ("case errors", f.errors.records)]
    meta = [f"folder <b>{esc(f.folder)}</b>"]
    if f.version:
        meta.append(f"medground {esc(f.version)}")
    lines = [f'<p class="meta">{" &middot; ".join(meta)}</p>']
    if f.box_convention:
        lines.append(f'<p class="note">Boxes: {esc(f.box_convention)}</p>')
    if f.license or f.citation:
        lines.append(f'<p class="note">Source licence: {esc(f.license or "not stated")}; '
                     f'citation: {esc(f.citation or "not stated")}</p>')
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("counts", "Counts"), ("funnel", "Funnel"), ("errors", "Errors"),
        ("distributions", "Distributions"), ("splits", "Splits"), ("evaluation", "Evaluation"),
        ("gallery", "Gallery")))
    tile_html = "".join(f'<div class="tile"><b>{num(n)}</b>{t}</div>' for t, n in tiles)
    warn = ""
    if f.warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in f.warnings)
        warn = f'<div class="warnings" id="warnings"><b>Warnings</b><ul>{items}</ul></div>'
    return (f"<header><h1>medground report: {esc(f.name)}</h1>{''.join(lines)}<nav>{nav}</nav>"
            f'<div class="tiles">{tile_html}</div>{warn}</header>')


def _counts(f: Figures) -> str:
    cases = table(["cases", "n"], [(esc(k), num(v)) for k, v in f.cases], [False, True])
    counts = table(["manifest count", "n"], [(esc(k), num(v)) for k, v in f.counts],
                   [False, True])
    return (f'<section id="counts"><h2>Counts</h2>{cases if f.cases else ""}'
            f"<details><summary>All {len(f.counts)} counts in manifest.json</summary>"
            f"{counts}</details></section>")


def _funnel(funnel: FunnelFigure | None, rejects: RejectsFigure) -> str:
    out = ['<section id="funnel"><h2>Verification funnel</h2>']
    if funnel is None:
        out.append('<p class="note">manifest.json has no funnel.</p>')
    else:
        out.append(f"<p>synthesized <b>{num(funnel.synthesized)}</b> samples; kept "
                   f"<b>{num(funnel.kept)}</b> ({share(funnel.kept, funnel.synthesized)}).</p>")
        rows = []
        for st in funnel.stages:
            total = st.entered or 1
            reasons = "<br>".join(f"{esc(r)} {num(n)}" for r, n in st.rejected) or "-"
            rows.append((esc(st.stage), num(st.entered), num(st.passed), num(st.rejected_total),
                         bar([("p", 100 * st.passed / total),
                              ("r", 100 * st.rejected_total / total)]), reasons))
        out.append(table(["stage", "entered", "passed", "rejected", "", "rejected by reason"],
                         rows, [False, True, True, True, False, False]))
        out.append('<p class="note">Each stage sees the samples the stages before it passed; '
                   "a sample is rejected by its first failing check.</p>")
    out.append(f"<h3>rejects.jsonl: {num(rejects.records)} records</h3>")
    if rejects.by_reason:
        out.append(table(["stage", "reason", "records"],
                         [(esc(st), esc(r), num(n)) for st, r, n in rejects.by_reason],
                         [False, False, True]))
    if rejects.unreadable:
        out.append(f'<p class="note">{num(rejects.unreadable)} records are no readable sample '
                   "and are counted by their verdict only.</p>")
    out.append("</section>")
    return "".join(out)


def _errors(e: ErrorsFigure) -> str:
    out = [f'<section id="errors"><h2>Case errors (errors.jsonl): {num(e.records)}</h2>']
    if not e.records:
        out.append('<p class="note">No case failed and no case recorded an error.</p>')
    else:
        out.append(f"<p>{num(e.fatal)} fatal (the case gave no samples), "
                   f"{num(e.records - e.fatal - e.unreadable)} not fatal"
                   f"{f', {num(e.unreadable)} unreadable' if e.unreadable else ''}.</p>")
        out.append(table(["code", "records"], [(esc(c), num(n)) for c, n in e.by_code],
                         [False, True]))
        more = (f" (the first {len(e.shown)} of {num(e.records)})"
                if len(e.shown) < e.records else "")
        out.append(f"<h3>Records{more}</h3>")
        out.append(table(["case", "code", "fatal", "file", "message"],
                         [(esc(r.case), esc(r.code), "yes" if r.fatal else "no", esc(r.file),
                           esc(r.message)) for r in e.shown], [False] * 5))
    out.append("</section>")
    return "".join(out)


def _distribution(d: Distribution) -> str:
    top = max((r.kept + r.rejected for r in d.rows), default=0) or 1
    rows = [(esc(r.value), num(r.kept), num(r.rejected),
             bar([("k", 100 * r.kept / top), ("r", 100 * r.rejected / top)])) for r in d.rows]
    note = f'<p class="note">{esc(d.note)}</p>' if d.note else ""
    body = table(["value", f"kept {d.unit}", f"rejected {d.unit}", ""], rows,
                 [False, True, True, False]) if d.rows else '<p class="note">none</p>'
    return f'<div class="dist" id="dist-{esc(d.key)}"><h3>{esc(d.title)}</h3>{body}{note}</div>'


def _distributions(f: Figures) -> str:
    q = f.query_stats
    stats = (f'<p class="note">Query length over {num(q.samples)} kept samples: mean '
             f"{q.mean:.1f} words, median {q.median:g}, longest {num(q.maximum)}.</p>")
    legend = ('<p class="note"><span class="swatch" style="background:#2f6fb3"></span>kept'
              '<span class="swatch" style="background:#c0392b"></span>rejected</p>')
    body = "".join(_distribution(d) for d in f.distributions)
    return (f'<section id="distributions"><h2>Distributions</h2>{legend}{stats}'
            f'<div class="dists">{body}</div></section>')


def _splits(s: SplitFigure | None) -> str:
    out = ['<section id="splits"><h2>Splits</h2>']
    if s is None:
        out.append('<p class="note">No splits.json: every sample is in one split "all" '
                   "(run <code>medground split DATASET</code> to make train / val / test).</p>")
        return "".join(out) + "</section>"
    seed = f" (seed {s.seed})" if s.seed is not None else ""
    out.append(f'<p class="note">Patient-level splits from splits.json{seed}; counts of kept '
               "samples.</p>")
    out.append(table(["split", "samples", "patients"],
                     [(esc(r.split), num(r.samples), num(r.patients)) for r in s.rows],
                     [False, True, True]))
    names = [r.split for r in s.rows]
    for key, per_split in s.composition:
        by = {split: dict(pairs) for split, pairs in per_split}
        values = sorted({v for pairs in by.values() for v in pairs},
                        key=lambda v: (-sum(by[sp].get(v, 0) for sp in names), v))
        out.append(f"<h3>by {esc(key)}</h3>")
        out.append(table([key, *names], [(esc(v), *(num(by[sp].get(v, 0)) for sp in names))
                                         for v in values], [False] + [True] * len(names)))
    if s.subsets:
        out.append("<h3>Subsets</h3>")
        out.append(table(["subset", "samples"], [(esc(k), num(n)) for k, n in s.subsets],
                         [False, True]))
    return "".join(out) + "</section>"


def _evaluation(evals: Sequence[EvalFigure]) -> str:
    out = ['<section id="evaluation"><h2>Evaluation</h2>']
    if not evals:
        out.append('<p class="note">No <code>*.eval.json</code> in the dataset folder (written by '
                   "<code>medground eval</code>).</p>")
    for e in evals:
        out.append(f"<h3>{esc(e.file)}</h3>")
        if e.problem:
            out.append(f'<p class="problem">cannot read it: {esc(e.problem)}</p>')
            continue
        counts = ", ".join(f"{esc(k)} {num(v)}" for k, v in e.counts)
        cover = f"; coverage {e.coverage:.3f}" if e.coverage is not None else ""
        split = f"split <b>{esc(e.split)}</b>: " if e.split else ""
        out.append(f'<p class="note">{split}{counts}{cover}</p>')
        metrics = list(dict.fromkeys(k for r in e.rows for k, _ in r.scores))
        rows = []
        for r in e.rows:
            scores, ci = dict(r.scores), {k: (lo, hi) for k, lo, hi in r.ci95}
            cells = [f"{scores[m]:.3f}" + (f' <span class="small">[{ci[m][0]:.3f}, '
                                           f"{ci[m][1]:.3f}]</span>" if m in ci else "")
                     if m in scores else "-" for m in metrics]
            notes = "".join(f' <span class="small">{esc(k)} {v:g}</span>' for k, v in r.notes)
            name = esc(r.name) + (' <span class="small">baseline</span>' if r.is_baseline
                                  else ' <span class="small">model</span>') + notes
            rows.append((name, "-" if r.n is None else num(r.n), *cells))
        if metrics:
            out.append(table(["single target", "n", *metrics], rows,
                             [False, True] + [True] * len(metrics)))
            note = f"; {esc(e.baselines_note)}" if e.baselines_note else ""
            out.append(f'<p class="note">In brackets: 95 % bootstrap interval{note}.</p>')
        multi = [r for r in e.rows if r.multi]
        if multi:
            keys = list(dict.fromkeys(k for r in multi for k, _ in r.multi))
            out.append(table(["multi target (Hungarian, IoU >= 0.5)", *keys],
                             [(esc(r.name), *(f"{dict(r.multi)[k]:.3f}"
                                              if k in dict(r.multi) else "-" for k in keys))
                              for r in multi], [False] + [True] * len(keys)))
        for b in e.breakdowns:
            cols = list(dict.fromkeys(k for _, _, sc in b.rows for k, _ in sc))
            body = table([b.key, "n", *cols],
                         [(esc(v), num(n), *(f"{dict(sc)[c]:.3f}" if c in dict(sc) else "-"
                                             for c in cols)) for v, n, sc in b.rows],
                         [False, True] + [True] * len(cols))
            out.append(f"<details><summary>by {esc(b.key)}</summary>{body}</details>")
    return "".join(out) + "</section>"


def _asset(name: str) -> str:
    return resources.files("medground.report").joinpath(name).read_text(encoding="utf-8")


def render(f: Figures) -> str:
    """The whole page (deterministic: the same figures give the same bytes)."""
    css, script = _asset("page.css"), _asset("page.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    policy = (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
              f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")
    body = "".join((_header(f), _counts(f), _funnel(f.funnel, f.rejects), _errors(f.errors),
                    _distributions(f), _splits(f.splits), _evaluation(f.evals),
                    gallery_section(f.gallery)))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="icon" href="data:,">'
            f"<title>medground report: {esc(f.name)}</title><style>{css}</style></head>"
            f"<body>{body}<script>{script}</script></body></html>\n")
