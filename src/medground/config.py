"""Build configuration: a YAML file validated by pydantic, unknown keys rejected with a hint."""

from __future__ import annotations

import difflib
import math
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from medground import modality as vocabulary
from medground.config_errors import format_errors
from medground.errors import ConfigError
from medground.outputs import OutputsConfig


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


LabelNames = Union[dict[int, str], str, None]  # noqa: UP007  (pydantic needs the typing form)
#: folder2d: integer ids for label maps, or file-name labels for per_target masks
FileLabelNames = Union[dict[Union[int, str], str], str, None]  # noqa: UP007
#: the named groups a file-name pattern may have; any other is a config error
FILE_NAME_GROUPS: tuple[str, ...] = ("label", "instance", "modality")
_LABEL_NAMES_HELP = "id -> name mapping, or a JSON file holding one (relative to root)"
_MODALITY_HELP = ("imaging modality: a code or synonym of the modality vocabulary (README: "
                  "Modalities), e.g. CT, MRI, X-ray, ultrasound, endoscopy, dermoscopy, fundus, "
                  "OCT, histopathology, fluorescence; stored as its code")


def canonical_modality(v: str | None) -> str | None:
    """The vocabulary code of a configured modality; an unknown word is an error with a hint."""
    return None if v is None else vocabulary.canonical(v)


def pattern_groups(name: str, pattern: str, known: tuple[str, ...]) -> set[str]:
    """Named groups of a file-name regex; a group the code does not read is an error."""
    try:
        groups = set(re.compile(pattern.replace("{stem}", "stem")).groupindex)
    except re.error as exc:
        raise ValueError(f"{name}: invalid regular expression ({exc})") from exc
    unknown = sorted(groups - set(known))
    if unknown:
        hint = difflib.get_close_matches(unknown[0], known, n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ValueError(f"{name}: unknown group(s) {', '.join(unknown)}{extra}; known groups: "
                         f"{', '.join(known)} (write (?:...) for parts that are not read)")
    return groups


class _SourceBase(Strict):
    root: Path = Field(description="folder the other paths are relative to (relative to the config file)")
    modality: str | None = Field(None, description=_MODALITY_HELP)
    # label_names: each source type declares its own (folder2d also takes file-name labels)
    label_names_key: str | None = Field(None, description="key inside the JSON file, e.g. 'total'")
    license: str | None = Field(None, description="the source data's license, e.g. CC-BY-SA-4.0 "
                                "(written into the dataset card of exports)")
    citation: str | None = Field(None, description="how to cite the source data (BibTeX or a "
                                 "reference; written into the dataset card)")

    @field_validator("modality")
    @classmethod
    def _known_modality(cls, v: str | None) -> str | None:
        return canonical_modality(v)


DEFAULT_TARGET_PATTERN = r"^{stem}_(?P<label>.+?)_(?P<instance>\d+)$"


class ImagePair(Strict):
    image: str
    mask: str
    case: str | None = None


class Folder2DSource(_SourceBase):
    """Image/mask pairs in folders, matched by file name (or listed in ``pairs``)."""

    type: Literal["folder2d"]
    label_names: FileLabelNames = Field(
        None, description=f"{_LABEL_NAMES_HELP}; with mask_mode per_target, file-name label -> "
        "name, e.g. {'left+kidney': 'left kidney'}",
    )
    images: str | None = Field(None, description="glob for images, relative to root, e.g. 'images/*.jpg'")
    masks: str | None = Field(
        None,
        description="mask path for an image, with {stem} placeholders, e.g. 'masks/{stem}.png'; "
        "with mask_mode per_target, a glob such as 'masks/{stem}_*.png'",
    )
    pairs: list[ImagePair] | None = Field(None, description="explicit image/mask pairs")
    mask_mode: Literal["label_map", "binary", "instance_map", "per_target"] = "label_map"
    label: str | None = Field(None, description="label name for binary and instance_map masks")
    threshold: float | None = Field(
        None,
        description="binary masks: foreground is value > threshold (default: 0.5 for 0/1 "
        "masks, 127 for 8-bit masks, half the maximum otherwise)",
    )
    target_pattern: str = Field(
        DEFAULT_TARGET_PATTERN,
        description="per_target: regex on the mask file stem giving the label and instance "
        "(and optionally the image's modality); groups: label, instance, modality",
    )
    modality_pattern: str | None = Field(
        None, description="regex on the image file stem whose (?P<modality>...) group gives each "
        "image its modality (an image it does not match takes `modality`)",
    )
    modality_map: dict[str, str] | None = Field(
        None, description="file-name modality value -> modality, e.g. {'MRI-FLAIR': 'MR'}; "
        "values it lacks are read with the vocabulary's synonyms",
    )

    @field_validator("modality_map")
    @classmethod
    def _known_map_values(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return None if v is None else {k: vocabulary.canonical(m) for k, m in v.items()}

    @model_validator(mode="after")
    def _file_name_options(self) -> Folder2DSource:
        target = pattern_groups("target_pattern", self.target_pattern, FILE_NAME_GROUPS)
        per_target = self.mask_mode == "per_target"
        if per_target and "label" not in target:
            raise ValueError("target_pattern needs a (?P<label>...) group")
        if not per_target and self.target_pattern != DEFAULT_TARGET_PATTERN:
            raise ValueError("target_pattern is only read with mask_mode: per_target")
        from_name = "modality" in target
        if self.modality_pattern is not None:
            if "modality" not in pattern_groups("modality_pattern", self.modality_pattern,
                                                ("modality",)):
                raise ValueError("modality_pattern needs a (?P<modality>...) group")
            if from_name:
                raise ValueError("target_pattern and modality_pattern both give the modality; "
                                 "use one of them")
            from_name = True
        if self.modality_map is not None and not from_name:
            raise ValueError("modality_map needs a (?P<modality>...) group in modality_pattern "
                             "or target_pattern")
        names = self.label_names
        if isinstance(names, dict) and not per_target:
            text = [k for k in names if not str(k).lstrip("-").isdigit()]
            if text:
                raise ValueError(f"label_names: {text[0]!r} is not a label id; names as keys "
                                 "are for labels read from file names (mask_mode: per_target)")
        return self


class VolumePair(Strict):
    image: str
    label: str
    case: str | None = None
    label_names: LabelNames = Field(None, description="overrides the source's label_names")
    label_names_key: str | None = Field(None, description="overrides the source's key")
    modality: str | None = Field(None, description="overrides the source's modality")

    @field_validator("modality")
    @classmethod
    def _known_modality(cls, v: str | None) -> str | None:
        return canonical_modality(v)


class VolumeSource(_SourceBase):
    """3D volumes with label maps: NIfTI (MSD / nnU-Net or explicit), NRRD/MHA with [itk]."""

    type: Literal["nifti", "itk"]
    label_names: LabelNames = Field(None, description=_LABEL_NAMES_HELP)
    dataset_json: str | None = Field(None, description="MSD / nnU-Net dataset.json, relative to root")
    images: str | None = Field(None, description="glob for images, e.g. 'imagesTr/*.nii.gz'")
    labels: str | None = Field(None, description="label path for a case, e.g. 'labelsTr/{case}.nii.gz'")
    pairs: list[VolumePair] | None = None
    channel: int | None = Field(None, description="channel of 4D multi-modal images")


class DicomPair(Strict):
    series: str = Field(description="folder holding one DICOM series, relative to root")
    label: str = Field(description="label volume (NIfTI) for that series")
    case: str | None = None
    label_names_key: str | None = Field(None, description="overrides the source's key")


class DicomSource(_SourceBase):
    type: Literal["dicom"]
    label_names: LabelNames = Field(None, description=_LABEL_NAMES_HELP)
    pairs: list[DicomPair]


SourceConfig = Annotated[
    Union[Folder2DSource, VolumeSource, DicomSource],  # noqa: UP007
    Field(discriminator="type"),
]

WINDOW_PRESETS: dict[str, tuple[float, float]] = {  # (level/center, width) in HU
    "abdomen": (40, 400),
    "soft_tissue": (50, 350),
    "mediastinum": (50, 350),
    "liver": (60, 160),
    "lung": (-600, 1500),
    "bone": (400, 1800),
    "brain": (40, 80),
}


class Window(Strict):
    center: float
    width: float = Field(gt=0)


class SlicingConfig(Strict):
    planes: list[Literal["axial", "coronal", "sagittal"]] = ["axial"]
    mode: Literal["max_area", "every_k"] = Field(
        "max_area",
        description="max_area: for each structure the slice where it is largest; "
        "every_k: every k-th slice that holds at least min_area_px of some structure",
    )
    every_k: int = Field(5, ge=1)
    min_area_px: int = Field(20, ge=1)
    square_pixels: bool = Field(True, description="resample slices so that pixels are square")
    window: str | Window = Field("auto", description="CT window preset, {center, width}, or auto")
    percentiles: tuple[float, float] = Field((1.0, 99.0), description="non-CT intensity range")

    @field_validator("window")
    @classmethod
    def _known_preset(cls, v: str | Window) -> str | Window:
        if isinstance(v, str) and v != "auto" and v not in WINDOW_PRESETS:
            hint = difflib.get_close_matches(v, list(WINDOW_PRESETS), n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ValueError(f"unknown window preset {v!r}{extra}; choose from {sorted(WINDOW_PRESETS)}")
        return v


class RegionsConfig(Strict):
    min_area_px: int = Field(5, ge=1, description="components smaller than this are specks")
    min_area_fraction: float = Field(1e-4, ge=0, lt=1, description="... or than this share of the image")
    min_box_px: int = Field(3, ge=1, description="regions whose box is thinner than this are dropped")
    connectivity: Literal[4, 8] = 8
    connectivity_3d: Literal[6, 18, 26] = Field(
        26, description="volumes: voxel connectivity of the 3D instances of a split label")
    split: list[str] = Field(
        default_factory=list,
        description="labels (glob patterns) always split into instances (3D connected "
        "components for volumes, 2D ones for images); overrides the structure rule",
    )
    keep_whole: list[str] = Field(
        default_factory=list,
        description="labels (glob patterns) always kept as one target per view; overrides the "
        "structure rule (countable findings split, anatomy / diffuse / thin / unknown whole)",
    )
    include: list[str] | None = Field(None, description="only these labels (glob patterns)")
    exclude: list[str] = Field(default_factory=list, description="skip these labels (glob patterns)")
    max_instances: int = Field(
        500, ge=1, description="at most this many instances of a label on one view (connected "
        "components, instance-map values) and label ids in one label map; a case over it is a "
        "TOO_MANY_INSTANCES / TOO_MANY_LABELS error (each instance holds a full-size mask)",
    )


Task = Literal["single", "disambiguation", "multi"]
ALL_TASKS: tuple[Task, ...] = ("single", "disambiguation", "multi")


class QueriesConfig(Strict):
    tasks: list[Task] = Field(
        default_factory=lambda: list(ALL_TASKS),
        description="single: a target alone of its kind; disambiguation: a target among "
        "distractors of its kind; multi: one query for all regions of a kind",
    )
    per_target: int = Field(1, ge=1, le=20, description="queries per target (and per multi group)")
    synthesizer: Literal["template", "vlm"] = Field(
        "template", description="template: the offline grammar; vlm: the server in `vlm`")
    multi_max_targets: int = Field(
        10, ge=2, description="multi-target queries only for kinds with at most this many "
        "regions in a view",
    )
    seed: int = 0


StageName = Literal["format", "geometry", "priors", "judge", "vlm_judge"]
ALL_STAGES: tuple[StageName, ...] = ("format", "geometry", "priors", "judge")


class VerifyConfig(Strict):
    stages: list[StageName] = Field(
        default_factory=lambda: list(ALL_STAGES),
        description="verification stages, run in this order; a sample stops at its first failure",
    )


#: volume cases a worker keeps open by default (VLMConfig.open_cases)
VOLUME_CASES = 2
#: open 2D cases a worker keeps at most by default
MAX_2D_CASES = 48
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*", re.IGNORECASE)


def parse_bytes(text: str) -> int:
    """``'8G'``, ``'512MiB'``, ``'1.5GB'``, ``'1000000'`` as bytes (K, M, G, T: powers of
    1024, with or without ``B`` / ``iB``); ValueError for anything else."""
    m = _SIZE.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a size: write bytes or e.g. 512M, 8G, 1.5GiB")
    unit = m.group(2).lower()
    value = float(m.group(1)) * (1024 ** ("kmgt".index(unit) + 1) if unit else 1)
    if value < 1:
        raise ValueError(f"{text!r} is less than one byte")
    return int(value)


class VLMConfig(Strict):
    """An OpenAI-compatible server (vLLM, SGLang, Ollama, LMDeploy, transformers serve, a
    hosted API) for query synthesis and visual judging."""

    base_url: str | list[str] = Field(description="one URL or several, balanced by load")
    model: str
    api_key_env: str | None = Field("OPENAI_API_KEY", description="variable holding the key")
    temperature: float = Field(0.0, ge=0)
    seed: int | None = None
    max_tokens: int = Field(512, ge=1)
    timeout: float = Field(120.0, gt=0)
    max_in_flight: int = Field(8, ge=1, description="requests in flight per worker")
    cases_in_flight: int | None = Field(
        None, ge=1, description="cases each worker keeps open at once so that the server always "
        "has requests (a 2D case has only one or two at a time); each holds its image or volume "
        "in memory. Default: 1.5 x max_in_flight, at most 48, for 2D images; 2 for volumes (a "
        "volume case sends all its views' requests); either way only as many as "
        "memory_budget holds")
    memory_budget: int | None = Field(
        None, ge=1, exclude=True, description="bytes (or '8G', '512MiB') the open cases of the "
        "build may use together, shared by its workers; a case is opened when its estimate "
        "(from its files' headers) fits. Default: half the machine's memory. Only the pace "
        "depends on it: it is in neither the manifest nor the resume key")
    requests_per_minute: float | None = Field(None, gt=0)
    tokens_per_minute: float | None = Field(None, gt=0)
    max_retries: int = Field(5, ge=0)
    backoff_base: float = Field(0.5, gt=0, description="seconds; doubles per retry, with jitter")
    structured_output: bool = Field(
        True, description="send a JSON schema as response_format (vLLM, SGLang, OpenAI); "
        "turn off for servers without it: answers are then parsed tolerantly")
    judge_crop: bool = Field(False, description="also show the judge a close-up of the box")
    price_per_million: dict[str, float] | None = Field(
        None, description="{'prompt': USD, 'completion': USD} per million tokens, for the cost")
    cache: str | None = Field(None, description="SQLite cache (default: OUT/.medground/vlm.sqlite)")

    @field_validator("memory_budget", mode="before")
    @classmethod
    def _bytes(cls, v: Any) -> Any:
        return parse_bytes(v) if isinstance(v, str) else v

    def open_cases(self, volumes: bool) -> int:
        """``cases_in_flight``, or its default. A 2D case has one or two requests, one at a
        time, and works between them (checks, PNGs): half again as many cases as
        ``max_in_flight`` keep requests queued while some of them work (with 16 in flight,
        200 ms per answer and the cases' offline work taking turns, llm/turns.py: 81 % of the
        ideal rate with 16 cases, 87 % with 24, 86 % with 32, 83 % with 48). A volume case sends the
        requests of all its views as they are made (pipeline.py) and keeps the client full
        alone; a second covers its loading and its last answers. More only share the same
        interpreter: on the demo phantom 2 open cases made 54 requests/s, 4 made 45 and 8
        made 42, each case's CPU time growing with the threads. ``memory_budget`` may allow
        fewer (executors/local.py)."""
        if self.cases_in_flight:
            return self.cases_in_flight
        if volumes:
            return min(self.max_in_flight, VOLUME_CASES)
        return min(math.ceil(1.5 * self.max_in_flight), MAX_2D_CASES)

    @property
    def base_urls(self) -> tuple[str, ...]:
        return (self.base_url,) if isinstance(self.base_url, str) else tuple(self.base_url)


class BuildConfig(Strict):
    name: str | None = Field(None, description="data set name (default: the config file's stem)")
    source: SourceConfig
    slicing: SlicingConfig = SlicingConfig()
    regions: RegionsConfig = RegionsConfig()
    queries: QueriesConfig = QueriesConfig()
    verify: VerifyConfig = VerifyConfig()
    vlm: VLMConfig | None = None
    outputs: OutputsConfig = Field(default_factory=OutputsConfig)
    pseudonym_salt: str = Field("medground", description="salt of the pseudonymous patient ids")

    @property
    def uses_vlm(self) -> bool:
        return self.queries.synthesizer == "vlm" or "vlm_judge" in self.verify.stages

    @model_validator(mode="after")
    def _vlm_needed(self) -> BuildConfig:
        if self.uses_vlm and self.vlm is None:
            raise ValueError("queries.synthesizer: vlm and the vlm_judge stage need a `vlm` section")
        return self

    @property
    def dataset_name(self) -> str:
        return self.name or "dataset"


_ENV = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


def expand_env(text: str) -> str:
    """Expand ``${VAR}`` and ``${VAR:-default}``; an unset variable without default is an error."""

    def sub(m: re.Match[str]) -> str:
        value = os.environ.get(m.group("name"))
        if value:
            return value
        if m.group("default") is not None:  # like the shell's :- (unset or empty)
            return m.group("default")
        state = "is empty" if value == "" else "is not set"
        raise ConfigError(f"environment variable {m.group('name')} {state} (use ${{VAR:-default}})")

    return _ENV.sub(sub, text)


def expand_env_values(node: Any) -> Any:
    """Expand environment variables in every string value (not in keys or comments)."""
    if isinstance(node, str):
        return expand_env(node)
    if isinstance(node, list):
        return [expand_env_values(v) for v in node]
    if isinstance(node, dict):
        return {k: expand_env_values(v) for k, v in node.items()}
    return node


def load_config(path: str | Path) -> BuildConfig:
    p = Path(path)
    try:
        raw = expand_env_values(yaml.safe_load(p.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read config: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: expected a mapping at the top level")
    raw.setdefault("name", p.stem)
    return parse_config(raw, base_dir=p.parent, origin=str(p))


def parse_config(raw: dict[str, Any], base_dir: Path, origin: str = "config") -> BuildConfig:
    try:
        cfg = BuildConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: invalid configuration\n"
                          + format_errors(exc, raw, BuildConfig)) from exc
    root = cfg.source.root if cfg.source.root.is_absolute() else (base_dir / cfg.source.root)
    source = cfg.source.model_copy(update={"root": Path(os.path.normpath(root.absolute()))})
    return cfg.model_copy(update={"source": source})
