"""Reading a force's YAML files (dispatch rules, quality checklist, trauma rules) strictly:
every mistake is an error naming the file and the place, raised as the caller's error type."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def parse_yaml_model(text: str, *, source: str, model: type[M], error: type[ValueError]) -> M:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise error(f"{source}: expected a mapping of settings")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors())
        raise error(f"{source}: {problems}") from None


def load_yaml_model(path: Path | None, *, package: str, default_file: str, what: str, model: type[M],
                    error: type[ValueError]) -> M:
    """The force's file at `path`, or the default shipped in `package`."""
    if path is None:
        return parse_yaml_model(resources.files(package).joinpath(default_file).read_text(), source=default_file,
                                model=model, error=error)
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror})") from None
    return parse_yaml_model(text, source=str(path), model=model, error=error)
