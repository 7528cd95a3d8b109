"""Command line: ``medground build | verify | inspect | demo | predict``."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medground import __version__
from medground.config import BuildConfig, load_config
from medground.errors import ConfigError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn medical segmentation data into verified referring-grounding data.")
# soft wrap: a message naming a long path stays one line that can be copied (and grepped)
console = Console(stderr=True, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        print(f"medground {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """medground command line."""


def _load(config: Path) -> BuildConfig:
    try:
        return load_config(config)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False)
        raise typer.Exit(2) from exc


#: ``medground build`` / ``demo`` exit codes (the README has the same table)
EXIT_CODES = """Exit codes:
0 built (cases that failed are listed; the others are in the dataset);
1 every case failed, or --strict and errors.jsonl has any record;
2 configuration error: invalid config, missing source.root, no file matching the patterns, zero cases, or --out holding another configuration's build;
130 interrupted (Ctrl-C): finished cases are kept; run the same command again to resume."""


def _resume_command(*parts: str) -> str:
    return shlex.join(["medground", *parts])


def _run_build(cfg: BuildConfig, out: Path, workers: int, overwrite: bool, quiet: bool,
               resume: str, executor: str = "local", address: str | None = None) -> dict[str, Any]:
    """Run the build with a progress bar; a configuration error exits 2, Ctrl-C 130 with
    how to resume (``resume``: the command that continues this build)."""
    from medground.build import BuildInterrupted, build

    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=quiet)
    task = progress.add_task("cases", total=None)

    def on_start(total: int, done: int) -> None:
        progress.update(task, total=total, completed=done)
        if done:
            console.print(f"resuming: {done} of {total} cases already finished in {out}")

    def on_done(case: str, status: str) -> None:
        progress.advance(task)

    try:
        with progress:
            return build(cfg, out, workers=workers, overwrite=overwrite, on_start=on_start,
                         on_done=on_done, executor=executor, address=address)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    except KeyboardInterrupt as exc:  # no traceback: say what is kept and how to go on
        done = (f"{exc.finished} of {exc.total} cases finished and kept"
                if isinstance(exc, BuildInterrupted) else "finished cases are kept")
        console.print(f"[yellow]interrupted[/yellow]: {done} in {escape(str(out))}.\n"
                      f"To resume, run the same command again (finished cases are skipped):\n"
                      f"  {escape(resume)}", highlight=False)
        raise typer.Exit(130) from None


def _exit_code(manifest: dict[str, Any], out: Path, strict: bool, quiet: bool) -> int:
    """1 when every case failed, or with ``strict`` when there is any error record, else 0;
    print the failed cases (how many, the first few with their codes, where errors.jsonl is)."""
    from medground.build import summarize_errors

    cases = manifest["cases"]
    errors_file = out / "errors.jsonl"
    summary = summarize_errors(errors_file)
    unique = cases["total"] - cases["duplicate"]
    all_failed = unique > 0 and cases["failed"] == unique
    code = 1 if all_failed or (strict and summary.records > 0) else 0
    if not summary.records or (quiet and not summary.fatal and not code):
        return code
    first, total = ((summary.first_fatal, summary.fatal) if summary.fatal
                    else (summary.first_other, summary.records))
    listed = ", ".join(f"{case} ({err})" for case, err in first)
    more = f" and {total - len(first)} more" if total > len(first) else ""
    if all_failed:
        head = f"all {_plural(unique, 'case')} failed"
    elif summary.fatal:
        parts = [f"{cases['failed']} of {_plural(unique, 'case')} failed"] if cases["failed"] else []
        if cases["duplicate"]:
            parts.append(f"{_plural(cases['duplicate'], 'duplicate case')} skipped")
        head = "; ".join(parts)
    else:
        head = f"{_plural(summary.records, 'non-fatal error record')}"
    style = "red" if code else "yellow"
    label = "error" if code else "warning"
    if strict and code and not all_failed:
        label = "error (--strict)"
    console.print(f"[{style}]{label}:[/{style}] {escape(head)}: {escape(listed)}{more}; "
                  f"{_plural(summary.records, 'error record')} in {escape(str(errors_file))}",
                  highlight=False)
    return code


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _summary(manifest: dict[str, Any], out: Path) -> None:
    counts, cases = manifest["counts"], manifest["cases"]
    table = Table(title=f"{manifest['name']}: {out}", show_header=False)
    table.add_row("cases", f"{cases['total']} ({cases['with_samples']} with samples, "
                  f"{cases['empty']} empty, {cases['failed']} failed, {cases['duplicate']} duplicate)")
    table.add_row("images", str(counts.get("images", 0)))
    table.add_row("samples kept", str(counts.get("kept", 0)))
    table.add_row("samples rejected", str(counts.get("rejected", 0)))
    for key in sorted(k for k in counts if k.startswith("regions_dropped/")):
        table.add_row(f"  {key}", str(counts[key]))
    console.print(table)
    if "funnel" in manifest:
        _print_funnel(manifest["funnel"])


OutOption = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
WorkersOption = Annotated[int, typer.Option("--workers", "-w", min=1, help="Worker processes.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")]


@app.command(epilog=EXIT_CODES)
def build(
    config: Annotated[Path, typer.Argument(help="Build configuration (YAML).")],
    out: OutOption,
    workers: WorkersOption = 1,
    overwrite: Annotated[bool, typer.Option(help="Replace a previous build in --out.")] = False,
    vlm_base_url: Annotated[list[str] | None, typer.Option(
        "--vlm-base-url", help="Override vlm.base_url (repeat for several servers).")] = None,
    vlm_model: Annotated[str | None, typer.Option("--vlm-model", help="Override vlm.model.")] = None,
    quiet: QuietOption = False,
    strict: Annotated[bool, typer.Option(
        help="Exit 1 when errors.jsonl has any record, fatal or not.")] = False,
    executor: Annotated[str, typer.Option(
        help="local (a process pool of --workers) or ray (Ray tasks on a cluster: "
        "pip install 'medground[ray]').")] = "local",
    address: Annotated[str | None, typer.Option(
        help="With --executor ray: the cluster, `auto` (started by `ray start --head`) or "
        "ray://HOST:10001; default $RAY_ADDRESS, else a new local Ray.")] = None,
    memory_budget: Annotated[str | None, typer.Option(
        "--memory-budget", help="Memory the cases a VLM build keeps open may use together, "
        "shared by the workers, e.g. 8G (default: half the machine's).")] = None,
) -> None:
    """Build a grounding dataset. Re-running into the same --out resumes."""
    cfg = _load(config)
    if memory_budget is not None:
        from medground.config import parse_bytes

        try:
            budget = parse_bytes(memory_budget)
        except ValueError as exc:
            console.print(f"[red]error:[/red] --memory-budget: {escape(str(exc))}",
                          highlight=False)
            raise typer.Exit(2) from None
        if cfg.vlm is not None:  # an offline build opens one case per worker: nothing to share
            cfg = cfg.model_copy(update={"vlm": cfg.vlm.model_copy(
                update={"memory_budget": budget})})
    if vlm_base_url or vlm_model:
        if cfg.vlm is None:
            console.print("[red]error:[/red] --vlm-* options need a `vlm` section in the config")
            raise typer.Exit(2)
        update: dict[str, Any] = {}
        if vlm_base_url:
            update["base_url"] = vlm_base_url if len(vlm_base_url) > 1 else vlm_base_url[0]
        if vlm_model:
            update["model"] = vlm_model
        cfg = cfg.model_copy(update={"vlm": cfg.vlm.model_copy(update=update)})
    again = [str(config), "--out", str(out), *(["--workers", str(workers)] if workers > 1 else []),
             *(arg for url in vlm_base_url or [] for arg in ("--vlm-base-url", url)),
             *(["--vlm-model", vlm_model] if vlm_model else []), *(["--strict"] if strict else []),
             *(["--executor", executor] if executor != "local" else []),
             *(["--address", address] if address else []),
             *(["--memory-budget", memory_budget] if memory_budget else [])]
    manifest = _run_build(cfg, out, workers, overwrite, quiet, _resume_command("build", *again),
                          executor=executor, address=address)
    if not quiet:
        _summary(manifest, out)
    code = _exit_code(manifest, out, strict, quiet)
    _write_outputs(cfg, out, quiet)
    print(out / "samples.jsonl")
    if code:
        raise typer.Exit(code)


@app.command()
def verify(
    dataset: Annotated[Path, typer.Argument(help="A dataset folder written by medground build.")],
    stages: Annotated[str | None, typer.Option(
        help="Comma-separated stages to run again (default: those the build ran).")] = None,
    vlm_base_url: Annotated[list[str] | None, typer.Option(
        "--vlm-base-url", help="Run the VLM judge again against this server (repeatable); "
        "without it, earlier vlm_judge verdicts are kept.")] = None,
    vlm_model: Annotated[str | None, typer.Option(
        "--vlm-model", help="Model for the VLM judge (default: the build's).")] = None,
    quiet: QuietOption = False,
) -> None:
    """Run the verification stages again; rewrite samples.jsonl / rejects.jsonl; print the funnel."""
    from medground.config import VLMConfig
    from medground.verify import build_vlm, verify_dataset

    names = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
    vlm = None
    if vlm_base_url or vlm_model:
        base = build_vlm(dataset)
        update: dict[str, Any] = {}
        if vlm_base_url:
            update["base_url"] = vlm_base_url if len(vlm_base_url) > 1 else vlm_base_url[0]
        if vlm_model:
            update["model"] = vlm_model
        try:
            vlm = (base.model_copy(update=update) if base is not None
                   else VLMConfig.model_validate(update))
        except ValueError as exc:
            console.print("[red]error:[/red] the build had no `vlm` section: give both "
                          "--vlm-base-url and --vlm-model", highlight=False)
            raise typer.Exit(2) from exc
    try:
        outcome = verify_dataset(dataset, names, vlm)
    except (ConfigError, ValueError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    if not quiet:
        _print_funnel(outcome.funnel)
        console.print(f"re-ran: {', '.join(outcome.rerun) or 'nothing'}", highlight=False)
        for stage, n in sorted(outcome.kept.items()):
            hint = " (give --vlm-base-url to run it again)" if stage == "vlm_judge" else ""
            console.print(f"kept {n} earlier {stage} verdicts{hint}", highlight=False)
        if outcome.unreadable:
            console.print(f"{outcome.unreadable} unreadable lines kept as SCHEMA_INVALID "
                          "rejects", highlight=False)
        if outcome.unreadable_views:
            console.print(f"{outcome.unreadable_views} unreadable views.jsonl lines (the "
                          "samples of their images are rejected)", highlight=False)
    print(dataset / "samples.jsonl")


def _print_funnel(funnel: dict[str, Any]) -> None:
    console.print(f"synthesized {funnel['synthesized']}")
    for st in funnel["stages"]:
        rejected = sum(st["rejected"].values())
        console.print(f"  {st['stage']:9s} entered {st['entered']:6d}  passed {st['passed']:6d}  "
                      f"rejected {rejected:6d}", highlight=False)
        for reason, n in sorted(st["rejected"].items(), key=lambda kv: -kv[1]):
            console.print(f"      {reason:32s} {n:6d}", highlight=False)
    console.print(f"kept {funnel['kept']}")


@app.command()
def inspect(
    config: Annotated[Path, typer.Argument(help="Build configuration (YAML).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List cases, labels, orientation and slice counts without writing anything."""
    from medground.inspect import inspect_cases

    cfg = _load(config)
    try:
        rows = list(inspect_cases(cfg))
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return
    # every cell is data, never markup: rich would take "medground[itk]" in an install hint
    # for a style tag and print "medground"
    table = Table(title=escape(cfg.dataset_name))
    for col in ("case", "modality", "shape", "orientation", "spacing (mm)", "labels", "slices", "status"):
        table.add_column(col)
    for r in rows:
        cells = (r["case"], r.get("modality", ""), r.get("shape", ""), r.get("orientation", ""),
                 r.get("spacing", ""), _short(r.get("labels", [])), r.get("slices", ""),
                 r["status"])
        table.add_row(*(escape(str(c)) for c in cells))
    Console().print(table)


def _write_outputs(cfg: BuildConfig, out: Path, quiet: bool) -> list[tuple[str, Path]]:
    """The config's ``outputs`` (splits, exports, report) after a build; an error in them
    (an unknown held-out label, say) exits 2 and leaves the built dataset as it is."""
    from medground.errors import ConfigError
    from medground.outputs import write_outputs

    try:
        written = write_outputs(cfg.outputs, out)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] outputs: {escape(str(exc))} (the dataset in "
                      f"{escape(str(out))} is built; fix the `outputs` section and run again)",
                      highlight=False)
        raise typer.Exit(2) from None
    if not quiet:
        for what, path in written:
            console.print(f"{what:18s} {escape(str(path))}", highlight=False)
    return written


def _short(labels: list[str], n: int = 6) -> str:
    more = f" +{len(labels) - n}" if len(labels) > n else ""
    return ", ".join(labels[:n]) + more


@app.command(epilog=EXIT_CODES)
def demo(
    out: OutOption = Path("medground-demo"),
    workers: WorkersOption = 1,
    cases: Annotated[int, typer.Option(min=1, help="Number of phantom cases.")] = 8,
    overwrite: Annotated[bool, typer.Option(help="Replace a previous demo in --out.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Generate a synthetic 3D phantom data set and build it, fully offline."""
    from medground.demo.run import prepare_demo

    cfg = prepare_demo(out, n_cases=cases, fresh=overwrite)
    again = _resume_command("demo", "--out", str(out), "--cases", str(cases),
                            *(["--workers", str(workers)] if workers > 1 else []))
    manifest = _run_build(cfg, out, workers, overwrite=overwrite, quiet=quiet, resume=again)
    if not quiet:
        _summary(manifest, out)
        console.print(f"demo dataset written to [bold]{out.resolve()}[/bold]")
    code = _exit_code(manifest, out, strict=False, quiet=quiet)
    written = _write_outputs(cfg, out, quiet)
    print(out / "samples.jsonl")
    for what, path in written:
        if what == "report":
            console.print(f"report: open [bold]{path.resolve()}[/bold] in a browser")
    if code:
        raise typer.Exit(code)


@app.command()
def predict(
    dataset: Annotated[Path, typer.Argument(help="A dataset folder written by medground build.")],
    base_url: Annotated[list[str], typer.Option(
        "--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1 (repeatable).")],
    model: Annotated[str, typer.Option(help="Model name as the server knows it.")],
    box_format: Annotated[str, typer.Option(
        help="Box convention the model writes: qwen2.5-vl (absolute pixels), qwen2-vl or "
             "qwen3-vl (0-1000), internvl (0-1000), internvl-999 (0-999, MedRegA), "
             "normalized (0-1).")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Predictions (JSONL); default DATASET/predictions-<model>.jsonl.")] = None,
    api_key_env: Annotated[str, typer.Option(
        help="Environment variable holding the API key.")] = "OPENAI_API_KEY",
    max_in_flight: Annotated[int, typer.Option(min=1, help="Concurrent requests.")] = 8,
    limit: Annotated[int | None, typer.Option(min=0, help="Only the first N samples.")] = None,
    cache: Annotated[Path | None, typer.Option(
        help="Request cache; default DATASET/.medground/vlm.sqlite.")] = None,
) -> None:
    """Ask a grounding VLM for each sample's box; write its answers and the parsed pixel boxes."""
    from medground.eval.boxes import BOX_FORMATS
    from medground.eval.predict import predict_dataset
    from medground.llm.cache import RequestCache
    from medground.llm.client import ClientConfig
    from medground.llm.session import default_cache

    if box_format not in BOX_FORMATS:
        raise typer.BadParameter(f"{box_format!r} is not one of {', '.join(BOX_FORMATS)}",
                                 param_hint="'--box-format'")
    out = out or dataset / f"predictions-{model.replace('/', '_')}.jsonl"
    cfg = ClientConfig(base_urls=tuple(base_url), model=model, api_key_env=api_key_env,
                       max_in_flight=max_in_flight)
    if not (dataset / "samples.jsonl").is_file():
        console.print(f"[red]error:[/red] {escape(str(dataset / 'samples.jsonl'))} not found",
                      highlight=False)
        raise typer.Exit(2)
    request_cache = RequestCache(cache or default_cache(dataset))
    try:
        summary = predict_dataset(dataset, out, cfg, box_format, request_cache, limit=limit)
    finally:
        request_cache.close()
    for key, value in summary.items():
        console.print(f"{key:18s} {value}", highlight=False)
    print(out)



@app.command()
def split(
    dataset: Annotated[Path, typer.Argument(help="A dataset folder written by medground build.")],
    seed: Annotated[int, typer.Option(help="Seed of the patient shuffle.")] = 0,
    ratios: Annotated[str, typer.Option(
        help="train,val,test shares of the samples (ignored with --val/--test).")] = "0.8,0.1,0.1",
    val: Annotated[int | None, typer.Option(help="Val size in samples (with --test).")] = None,
    test: Annotated[int | None, typer.Option(help="Test size in samples (with --val).")] = None,
    hold_out_label: Annotated[list[str] | None, typer.Option(
        "--hold-out-label", help="A label seen only in test (repeatable).")] = None,
    hold_out_modality: Annotated[list[str] | None, typer.Option(
        "--hold-out-modality", help="A modality seen only in test (repeatable).")] = None,
    hold_out_source: Annotated[list[str] | None, typer.Option(
        "--hold-out-source", help="A source seen only in test (repeatable).")] = None,
) -> None:
    """Patient-level, stratified train/val/test splits (splits.json), with unseen settings."""
    from medground.dataset import read_samples
    from medground.errors import ConfigError
    from medground.splits import SplitPlan, make_splits, write_splits

    try:
        parts = tuple(float(v) for v in ratios.split(","))
        if len(parts) != 3:
            raise ValueError
    except ValueError:
        raise typer.BadParameter(f"{ratios!r} is not three numbers such as 0.8,0.1,0.1",
                                 param_hint="'--ratios'") from None
    try:
        plan = SplitPlan(seed=seed, ratios=(parts[0], parts[1], parts[2]), val=val, test=test,
                         held_out_labels=tuple(hold_out_label or ()),
                         held_out_modalities=tuple(hold_out_modality or ()),
                         held_out_sources=tuple(hold_out_source or ()))
        samples = list(read_samples(dataset))
        splits = make_splits(samples, plan)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    path = write_splits(dataset, splits, samples)
    for name, comp in splits.composition(samples).items():
        size = comp["size"]
        console.print(f"{name:6s} {size['samples']:7d} samples {size['patients']:6d} patients",
                      highlight=False)
    for name, ids in splits.subsets.items():
        console.print(f"  test subset {name}: {len(ids)}", highlight=False)
    print(path)


@app.command()
def export(
    dataset: Annotated[Path, typer.Argument(help="A dataset folder written by medground build.")],
    out: OutOption,
    format: Annotated[str, typer.Option(
        "--format", "-f", help="coco (pycocotools instances.json + RefCOCO-style refs), parquet "
                               "(Hugging Face datasets + dataset card), llamafactory (sharegpt), "
                               "swift (ms-swift JSONL), lmms-eval (task folder).")] = "coco",
    answer_format: Annotated[str, typer.Option(
        help="Box convention of answer texts (llamafactory, lmms-eval): qwen2.5-vl, qwen2-vl, "
             "qwen3-vl, internvl, internvl-999, normalized.")] = "qwen2.5-vl",
    image_max_pixels: Annotated[int, typer.Option(
        min=1, help="The trainer's image pixel budget (LLaMA-Factory image_max_pixels).")
    ] = 768 * 768,
    split: Annotated[list[str] | None, typer.Option(
        "--split", help="Only this split (repeatable); default every split.")] = None,
) -> None:
    """Convert a dataset into the files another tool loads."""
    from medground.errors import ConfigError
    from medground.eval.boxes import BOX_FORMATS
    from medground.exports import FORMATS, ExportOptions, exporter

    if format not in FORMATS:
        raise typer.BadParameter(f"{format!r} is not one of: {', '.join(FORMATS)}",
                                 param_hint="'--format'")
    if answer_format not in BOX_FORMATS:
        raise typer.BadParameter(f"{answer_format!r} is not one of {', '.join(BOX_FORMATS)}",
                                 param_hint="'--answer-format'")
    if out.resolve() == dataset.resolve():
        console.print("[red]error:[/red] --out must be another folder than the dataset")
        raise typer.Exit(2)
    options = ExportOptions(answer_format=answer_format, image_max_pixels=image_max_pixels,
                            splits=tuple(split or ()))
    try:
        done = exporter(format)(dataset, out, options)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    console.print(done.summary, highlight=False, markup=False)
    print(done.main_file)


@app.command(name="eval")
def eval_(
    predictions: Annotated[Path, typer.Argument(help="Predictions JSONL (medground predict).")],
    dataset: Annotated[Path, typer.Option(help="The dataset the predictions are for.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Scores JSON; a Markdown table is written beside it "
                            "(default PREDICTIONS with .eval.json / .eval.md).")] = None,
    split: Annotated[str | None, typer.Option(
        help="The split to score (default test when the dataset is split, else all).")] = None,
    box_format: Annotated[str | None, typer.Option(
        help="Box convention of raw answers (records with an `answer` text instead of "
             "boxes_px): qwen2.5-vl, qwen2-vl, qwen3-vl, internvl, internvl-999, normalized.")
    ] = None,
) -> None:
    """Score predicted boxes: Acc@0.1-0.9, mIoU, Center_ACC, multi-target F1, breakdowns,
    and baselines fitted on the train split (whole image, centre box, mean box per label)."""
    from medground.errors import ConfigError
    from medground.eval.score import evaluate, markdown
    from medground.sinks.files import atomic_write_text, dumps

    try:
        result = evaluate(predictions, dataset, split=split, box_format=box_format)
    except (ConfigError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    out = out or predictions.with_suffix(".eval.json")
    table = markdown(result)
    atomic_write_text(out, dumps(result) + "\n")
    atomic_write_text(out.with_suffix(".md"), table)
    console.print(table, highlight=False, markup=False)
    print(out)


@app.command()
def report(
    dataset: Annotated[Path, typer.Argument(help="A dataset folder written by medground build.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="HTML file to write (default DATASET/report.html).")] = None,
) -> None:
    """One self-contained HTML page: counts, funnel, errors, distributions, splits,
    evaluation results and a filterable gallery of samples with their boxes drawn."""
    from medground.report import write_report

    try:
        path = write_report(dataset, out)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    print(path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
