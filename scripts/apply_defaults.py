"""Write a calibration's chosen values into the schema defaults (sim/config.py), to four significant digits.

    python scripts/apply_defaults.py results/calibrate-defaults/calibrated.yaml
    python -m sim.reference          # then regenerate configs/baseline.yaml and the generated docs

The calibrated file is read as ``alliancesim calibrate`` writes it (a config
file: nested sections, or a flat ``set:`` of dotted keys).  Each key's default
is the number on its declaration line: ``name: Type = Field(<number>, ...)``
in its section class, or ``name=<number>`` in a size class's defaults
(``firms.small``, ``firms.large``).  A key not found that way is an error;
nothing is written unless every key is found.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG_PY = ROOT / "sim" / "config.py"
NUMBER = r"-?\d+(?:\.\d*)?(?:e-?\d+)?"


def flat(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def rounded(value: float) -> str:
    text = f"{float(value):.4g}"
    return text if any(c in text for c in ".e") else f"{text}.0"


def section_span(source: str, key: str) -> tuple[int, int]:
    """Character span of the code that declares ``key``'s default: its section class, or the size-class block."""
    parts = key.split(".")
    if parts[0] == "firms" and parts[1] in ("small", "large"):
        start = source.index(f"    {parts[1]}: SizeClass = SizeClass(")
        return start, source.index("\n    )", start)
    # the root Config names each section's class: "<section>: <Class> = <Class>()" or "Field(default_factory=<Class>"
    root = re.search(rf"^    {parts[0]}: (\w+)\b", source[source.index("class Config("):], re.M)
    if root is None:
        raise KeyError(key)
    start = source.index(f"class {root.group(1)}(Section):")
    end = source.find("\nclass ", start + 1)
    return start, end if end > 0 else len(source)


def apply(values: dict, source: str) -> str:
    for key, value in values.items():
        start, end = section_span(source, key)
        name = key.split(".")[-1]
        block = source[start:end]
        pattern = (rf"(\b{name}=)({NUMBER})" if key.count(".") == 2
                   else rf"(^    {name}: [^\n]*?= Field\()({NUMBER})")
        new, count = re.subn(pattern, lambda m: m.group(1) + rounded(value), block, count=1, flags=re.M)
        if count != 1:
            raise KeyError(f"{key}: no numeric default found in sim/config.py")
        source = source[:start] + new + source[end:]
    return source


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    data = yaml.safe_load(Path(argv[0]).read_text())
    values = flat(data.get("set", data) if isinstance(data.get("set"), dict) else data)
    values = {k: v for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    try:
        CONFIG_PY.write_text(apply(values, CONFIG_PY.read_text()))
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    print(f"set {len(values)} defaults in {CONFIG_PY.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
