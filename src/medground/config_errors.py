"""Readable messages for a config that does not validate: where, what, and the closest key or
``type`` tag a misspelt one was probably meant to be."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Annotated, Any, Union

from pydantic import BaseModel, ValidationError


def format_errors(exc: ValidationError, raw: dict[str, Any], root: type[BaseModel]) -> str:
    """One line per error of validating ``raw`` as ``root``: unknown keys with the closest
    allowed one (or the allowed keys), unknown ``type`` tags with the closest tag."""
    lines = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        where = ".".join(loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(root, loc[:-1], raw)
            hint = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.5)
            msg = f"  {where}: unknown key"
            if hint:
                msg += f" (did you mean {hint[0]!r}?)"
            elif allowed:
                msg += f"; allowed keys: {', '.join(sorted(allowed))}"
            lines.append(msg)
        elif err["type"] == "union_tag_invalid":
            tag = str(err.get("ctx", {}).get("tag", ""))
            tags = [t.strip(" '") for t in str(err.get("ctx", {}).get("expected_tags", "")).split(",")]
            hint = difflib.get_close_matches(tag, tags, n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            lines.append(f"  {where}: unknown type {tag!r}{extra}; expected one of {', '.join(tags)}")
        else:
            lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def _allowed_keys(root: type[BaseModel], loc: list[str], raw: dict[str, Any]) -> list[str]:
    """Field names of the model found at ``loc`` (following discriminator tags)."""
    model: Any = root
    node: Any = raw
    for part in loc:
        if isinstance(node, dict):
            node = node.get(part, {})
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        model = _step(model, part)
        if model is None:
            return []
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _step(model: Any, part: str) -> Any:
    if part.isdigit():  # list index: same model
        return model
    if isinstance(model, type) and issubclass(model, BaseModel):
        if part in model.model_fields:
            return _unwrap(model.model_fields[part].annotation)
        return None
    if isinstance(model, list):  # union members: choose by discriminator tag
        for member in model:
            field = member.model_fields.get("type")
            if field is not None and part in typing.get_args(field.annotation):
                return member
        return None
    return None


def _unwrap(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (Union, types.UnionType):
        members = [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if len(models) == 1:
            return models[0]
        return models or None
    if origin is list:
        return _unwrap(typing.get_args(tp)[0])
    return tp
