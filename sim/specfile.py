"""What a sweep and a calibration config file share: reading one, its base config, its fingerprint.

Both are YAML mappings that name a base model config (``base``, a path
relative to the file; ``null`` is the baseline) and fixed overrides on it
(``set``), then say what to do with that model: a design
(:mod:`sim.sweep.spec`) or priors and targets (:mod:`sim.calibration.spec`).
:func:`load_spec` reads either kind and hands it, with the file it came
from, to the kind's ``spec_from_dict``, which starts with :func:`spec_base`
and checks the rest.  Everything wrong is a one-line
:class:`~sim.config.ConfigError` naming the kind, the key and the value.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable, TypeVar

from .config import Config, ConfigError, flatten, load_config, read_config_file, read_yaml_mapping, resolve_config_path, show

__all__ = ["ConfigSpec", "load_spec", "spec_base", "spec_base_parts", "check_top_keys", "spec_label", "relative", "positive_int", "non_negative_int"]

S = TypeVar("S", bound="ConfigSpec")


class ConfigSpec:
    """What a sweep and a calibration spec share: a ``base`` config, the config keys they vary (``parameters``)
    and an ``identity()`` that decides resume."""

    base: Config
    parameters: dict[str, Any]

    @property
    def keys(self) -> list[str]:
        """The config keys the spec varies."""
        return list(self.parameters)

    def identity(self) -> dict[str, Any]:
        raise NotImplementedError

    def fingerprint(self) -> str:
        """Short hash of :meth:`identity`: a folder resumes only the spec it was made by."""
        text = json.dumps(self.identity(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def base_overrides(self) -> dict[str, Any]:
        """The base config as dotted overrides on the schema defaults (small, picklable)."""
        default = Config().flat()
        return {k: v for k, v in self.base.flat().items() if default.get(k) != v}


def load_spec(path: str | Path, kind: str, holds: str, parse: Callable[..., S], overrides: dict[str, Any] | None = None) -> S:
    """Read a ``kind`` config file and validate it with ``parse`` (that kind's ``spec_from_dict``).

    ``configs/...`` falls back to the installed copy; ``holds`` says what the
    file should hold (for the error when it does not); ``overrides``
    (``--set``) apply to the base model config.
    """
    p = resolve_config_path(path)
    return parse(read_yaml_mapping(p, f"{kind} config", holds), overrides=overrides, file=p)


def relative(path: str | Path, file: Path | None) -> Path:
    """A path named in a spec: relative to the spec's file (when it came from one)."""
    path = Path(path)
    return file.parent / path if file is not None and not path.is_absolute() else path


def spec_label(data: dict[str, Any], file: Path | None, kind: str) -> dict[str, str | None]:
    """What names a spec: ``name`` (by default its file's stem, or the kind for a spec given as a dict),
    ``description`` and ``source`` (the file it was read from)."""
    return {"name": str(data.get("name", file.stem if file is not None else kind)),
            "description": str(data.get("description", "")),
            "source": str(file) if file is not None else None}


def check_top_keys(data: dict[str, Any], allowed: set[str], kind: str) -> None:
    """Refuse a top-level key of a ``kind`` config that is not in ``allowed``, naming it and its value."""
    for key in data:
        if key not in allowed:
            raise ConfigError(f"unknown {kind} config key {show(key)} (value {show(data[key])}); expected one of {sorted(allowed)}")


def spec_base_parts(data: dict[str, Any], kind: str, overrides: dict[str, Any] | None, file: Path | None) -> tuple[Path | None, dict[str, Any]]:
    """The ``base`` file (relative to ``file``, checked; ``None`` for the baseline) and the fixed overrides
    (``set``, then ``overrides``) as given: what :func:`spec_base` loads, for a spec that configures other
    populations the same way (a findings sweep's study populations)."""
    base_path = data.get("base")
    if base_path is not None:
        candidate = relative(base_path, file)
        read_config_file(candidate)  # clear error if missing
        base_path = candidate
    fixed = data.get("set") or {}
    if not isinstance(fixed, dict):
        raise ConfigError(f"{kind} config key 'set' must map config keys to values, got {show(fixed)}")
    # nested mappings under `set` are allowed too: {firms: {n: 60}} == {firms.n: 60}
    return base_path, {**flatten(fixed), **(overrides or {})}


def spec_base(data: dict[str, Any], allowed: set[str], kind: str, overrides: dict[str, Any] | None, file: Path | None) -> Config:
    """Refuse a top-level key not in ``allowed``; return the base config with ``set`` and ``overrides`` applied."""
    check_top_keys(data, allowed, kind)
    base_path, fixed = spec_base_parts(data, kind, overrides, file)
    return load_config(base_path, overrides=fixed)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def positive_int(kind: str, key: str, value: Any) -> int:
    if not _integer(value) or value < 1:
        raise ConfigError(f"{kind} config key {show(key)}: must be a positive integer, got {show(value)}")
    return value


def non_negative_int(kind: str, key: str, value: Any) -> int:
    if not _integer(value) or value < 0:
        raise ConfigError(f"{kind} config key {show(key)}: must be a non-negative integer, got {show(value)}")
    return value
