"""alliancesim: agent-based simulation of strategic-alliance learning.

>>> from sim import AllianceModel, load_config
>>> cfg = load_config(overrides={"firms.n": 100, "run.ticks": 20})
>>> model = AllianceModel(config=cfg, rng=7).run()
>>> model.alliances_frame().shape[0] > 0
True
"""

from .config import Config, ConfigError, load_config
from .model import AllianceModel

__version__ = "0.1.0"
__all__ = ["AllianceModel", "Config", "ConfigError", "load_config", "__version__"]
