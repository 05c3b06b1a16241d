"""Small sweep configs shared by the sweep tests (few firms, few ticks, <= 12 runs)."""

from __future__ import annotations

from pathlib import Path

import yaml

TINY = {"firms.n": 24, "run.ticks": 16}


def write_sweep(folder: Path, name: str = "tiny", design: dict | None = None, replications: int = 2,
                seed: int = 11, fixed: dict | None = None, **extra) -> Path:
    """Write a sweep config YAML and return its path."""
    data = {
        "name": name,
        "set": {**TINY, **(fixed or {})},
        "design": design or {"method": "grid", "parameters": {
            "learning.partner_specific_effect": [-0.8, 0.8],
            "selection.search_breadth": [3, 8],
        }},
        "replications": replications,
        "seed": seed,
        **extra,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def fail_some_runs(monkeypatch) -> None:
    """Make in-process sweep runs with search_breadth 3 and a positive partner-specific effect raise."""
    import sim.sweep.worker as worker

    real = worker.simulate

    def flaky(cfg, seed, **kw):
        if cfg.selection.search_breadth == 3 and cfg.learning.partner_specific_effect > 0:
            raise RuntimeError("boom in a test")
        return real(cfg, seed, **kw)

    monkeypatch.setattr(worker, "simulate", flaky)
