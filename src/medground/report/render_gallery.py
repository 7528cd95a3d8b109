"""The gallery section: filters and one card per picked sample (see gallery.py for the pick).

Cards carry generated tokens (``m0``, ``l3``, ``r1``) in their data attributes, and the
filters' options the same tokens as values, so the filter script compares tokens and never
handles text from the data; the text itself is escaped where it is shown.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable

from medground.report.figures import Card, GalleryFigure
from medground.report.gallery import DISTRACTOR_COLOUR, RULE, TARGET_COLOUR


def esc(value: object) -> str:
    """Text from data or a model, safe in element content and in quoted attributes."""
    return html.escape(str(value), quote=True)


def _tokens(values: Iterable[str], prefix: str) -> dict[str, str]:
    return {v: f"{prefix}{i}" for i, v in enumerate(sorted(set(values)))}


def _reason(card: Card) -> str:
    return f"{card.stage}/{card.reason}"


def _select(key: str, title: str, options: list[tuple[str, str]]) -> str:
    opts = "".join(f'<option value="{token}">{text}</option>' for token, text in options)
    return (f'<label>{title}<select data-filter="{key}" id="filter-{key}">'
            f'<option value="">all</option>{opts}</select></label>')


def _rgb(colour: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def _card(c: Card, modality: dict[str, str], task: dict[str, str], label: dict[str, str],
          reason: dict[str, str]) -> str:
    labels = " ".join(label[v] for v in c.labels)
    if c.kept:
        verdict, badge, token = "kept", '<span class="badge kept">kept</span>', ""
    else:
        token = reason[_reason(c)]
        verdict = "rejected"
        badge = f'<span class="badge rejected">rejected: {esc(_reason(c))}</span>'
    what = " &middot; ".join(esc(x) for x in (c.modality, c.task, ", ".join(c.names)))
    parts = [f'<p class="query">{esc(c.query)}</p>', f'<p class="small">{badge} {what}</p>']
    if c.detail:
        parts.append(f'<p class="small">{esc(c.detail)}</p>')
    if c.claims:
        parts.append(f'<p class="small">claims: {esc("; ".join(c.claims))}</p>')
    if c.distractors:
        parts.append(f'<p class="small">{c.distractors} distractor(s) drawn in orange</p>')
    if c.image_problem:
        parts.append(f'<p class="problem">{esc(c.image_problem)}: {esc(c.image)}</p>')
    parts.append(f'<p class="small">{esc(c.id)} &middot; {esc(c.image)}</p>')
    return (f'<figure class="card" data-modality="{modality[c.modality]}" '
            f'data-task="{task[c.task]}" data-labels="{labels}" data-verdict="{verdict}" '
            f'data-reason="{token}"><div class="img"><img src="{c.thumbnail}" '
            f'width="{c.width}" height="{c.height}" alt="sample {esc(c.id)}"></div>'
            f"<figcaption>{''.join(parts)}</figcaption></figure>")


def gallery_section(g: GalleryFigure) -> str:
    cards = g.cards
    modality = _tokens((c.modality for c in cards), "m")
    task = _tokens((c.task for c in cards), "t")
    label = _tokens((v for c in cards for v in c.labels), "l")
    reason = _tokens((_reason(c) for c in cards if not c.kept), "r")
    n_mod = Counter(c.modality for c in cards)
    n_task = Counter(c.task for c in cards)
    n_label = Counter(v for c in cards for v in c.labels)
    n_reason = Counter(_reason(c) for c in cards if not c.kept)
    kept = sum(c.kept for c in cards)

    def options(tokens: dict[str, str], n: Counter[str]) -> list[tuple[str, str]]:
        return [(tok, f"{esc(v)} ({n[v]})") for v, tok in tokens.items()]

    verdicts = [("kept", f"kept ({kept})"), ("rejected", f"rejected, any reason "
                                                         f"({len(cards) - kept})")]
    verdicts += [(tok, f"rejected: {esc(v)} ({n_reason[v]})") for v, tok in reason.items()]
    filters = "".join((
        _select("modality", "Modality", options(modality, n_mod)),
        _select("labels", "Label", options(label, n_label)),
        _select("task", "Task", options(task, n_task)),
        _select("verdict", "Verdict", verdicts),
        '<button type="button" id="reset">show all</button>',
        f'<span class="small">showing <b id="shown">{len(cards)}</b> of {len(cards)} cards</span>'))
    legend = (f'<span class="swatch" style="background:{_rgb(TARGET_COLOUR)}"></span>target box'
              f'<span class="swatch" style="background:{_rgb(DISTRACTOR_COLOUR)}"></span>'
              "distractor box")
    body = "".join(_card(c, modality, task, label, reason) for c in cards)
    return (f'<section id="gallery"><h2>Gallery</h2>'
            f'<p class="note">{len(cards)} of {g.candidates:,} samples and rejects. The pick: '
            f"{esc(RULE)}</p><p class=\"note\">{legend}</p>"
            f'<div class="filters">{filters}</div><div class="grid" id="cards">{body}</div>'
            "</section>")
