"""Golden hashes of the four output tables for a few (config, seed) pairs.

Why: performance work must not change results.  ``--record`` hashes the
tables on a reference commit and writes ``benchmarks/golden.json``;
``--check`` (the default) recomputes and compares, so every optimisation can
be shown to be bit-identical.  Re-record only after an intended behaviour
change (e.g. a recalibrated default), and say so in the commit.

    PYTHONPATH=. python benchmarks/golden.py --record
    PYTHONPATH=. python benchmarks/golden.py          # exit 1 on any difference

The check runs on one SIMD code path of numpy on every x86-64 machine:
numpy picks its exp/log for the CPU (AVX2 or AVX-512), and the two differ by
an ulp, which a run amplifies into different tables.  The script re-executes
itself with ``NPY_DISABLE_CPU_FEATURES`` naming the AVX-512 groups
(:data:`PINNED_CPU`; a group the machine lacks is ignored), so the hashes
recorded on one machine hold on another.  Results on one machine are
bit-identical either way; across machines with different SIMD, the same
config and seed give the same statistics, not the same bits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

PINNED_CPU = "X86_V4 AVX512_ICL AVX512_SPR"  # numpy's AVX-512 dispatch groups: AVX2's code path everywhere
if __name__ == "__main__" and os.environ.get("NPY_DISABLE_CPU_FEATURES") != PINNED_CPU:  # before numpy loads
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "NPY_DISABLE_CPU_FEATURES": PINNED_CPU})

import pandas as pd  # noqa: E402

from sim import AllianceModel, load_config  # noqa: E402

GOLDEN = Path(__file__).with_name("golden.json")

# name -> (overrides, seed): small and mid-sized runs, and the settings that
# exercise edge cases of the hot paths (no forgetting, positive
# partner-specific effect, heavy repeat search, yearly vs every-tick panel).
CASES: dict[str, tuple[dict, int]] = {
    "small": ({"firms.n": 60, "run.ticks": 20}, 3),
    "baseline_s1": ({}, 1),
    "baseline_s2": ({}, 2),
    "repeat_heavy": ({"firms.n": 200, "run.ticks": 60, "selection.repeat_partner_probability": 0.9,
                      "learning.forgetting_rate": 0.0, "learning.partner_specific_effect": 0.8,
                      "output.firm_interval": 1}, 5),
    "large": ({"firms.n": 1500, "run.ticks": 40}, 11),
}


def frame_hash(df: pd.DataFrame) -> str:
    """Hash of a table's values (bit-exact for numbers), column names, dtypes and index.

    Text columns are hashed as Python strings under one dtype name, whichever dtype pandas gives them
    (``object`` before pandas 3, ``str`` from pandas 3 on): the golden tables record results, not how a pandas
    release stores text.
    """
    text = [c for c, t in df.dtypes.items() if t == object or isinstance(t, pd.StringDtype)]
    df = df.assign(**{c: df[c].astype(object).where(df[c].notna(), None) for c in text})
    h = hashlib.sha256()
    h.update(repr(list(df.columns)).encode())
    h.update(repr(["text" if c in text else str(t) for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def case_hashes(overrides: dict, seed: int) -> dict[str, str]:
    model = AllianceModel(config=load_config(overrides=overrides), rng=seed).run()
    return {name: frame_hash(df) for name, df in model.frames().items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write golden.json instead of checking")
    parser.add_argument("--only", nargs="*", help="case names to run (default: all)")
    args = parser.parse_args(argv)
    names = args.only or list(CASES)
    current = {name: case_hashes(*CASES[name]) for name in names}
    if args.record:
        GOLDEN.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
        print(f"recorded {len(current)} cases -> {GOLDEN}")
        return 0
    golden = json.loads(GOLDEN.read_text())
    bad = 0
    for name, hashes in current.items():
        for table, value in hashes.items():
            ok = golden.get(name, {}).get(table) == value
            bad += not ok
            print(f"{name:14s} {table:10s} {value} {'same' if ok else 'DIFFERS (golden ' + str(golden.get(name, {}).get(table)) + ')'}")
    print("bit-identical" if not bad else f"{bad} table(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
