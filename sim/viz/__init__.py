"""The classroom dashboard: live panels (figures.py), the SolaraViz app (app.py), the command (command.py).

Only ``figures`` works without the ``viz`` extra; ``app`` needs solara.
"""

# How ``alliancesim dashboard`` hands its config to the solara server process.
CONFIG_ENV = "ALLIANCESIM_DASHBOARD_CONFIG"
SET_ENV = "ALLIANCESIM_DASHBOARD_SET"
