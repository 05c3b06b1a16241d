"""alliancesim: agent-based simulation of strategic-alliance learning.

>>> from sim import AllianceModel, load_config
>>> cfg = load_config(overrides={"firms.n": 100, "run.ticks": 20})
>>> model = AllianceModel(config=cfg, rng=7).run()
>>> model.alliances_frame().shape[0] > 0
True
>>> from sim import simulate, metrics
>>> result = simulate(cfg, seed=7)
>>> sorted(result.metrics) == sorted(metrics.NAMES)
True
"""

from . import metrics
from .config import Config, ConfigError, load_config
from .model import AllianceModel
from .runner import RunResult, simulate

__version__ = "0.1.0"
__all__ = ["AllianceModel", "Config", "ConfigError", "RunResult", "load_config", "metrics", "simulate", "__version__"]
