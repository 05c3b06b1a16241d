"""The classroom dashboard: the SolaraViz app (app.py) and the command (command.py).

The panels are :mod:`sim.figures`' (they work without the ``viz`` extra); ``app`` needs solara.
"""

# How ``alliancesim dashboard`` hands its config to the solara server process.
CONFIG_ENV = "ALLIANCESIM_DASHBOARD_CONFIG"
SET_ENV = "ALLIANCESIM_DASHBOARD_SET"
