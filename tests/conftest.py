"""Settings shared by every test.

Hypothesis runs without its 200 ms per-example deadline: the property tests
test values, not speed, and on a loaded machine a deadline fails them at random.
"""

from hypothesis import settings

settings.register_profile("alliancesim", deadline=None)
settings.load_profile("alliancesim")
