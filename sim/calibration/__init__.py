"""Calibration by approximate Bayesian computation (ABC-SMC with pyabc).

:mod:`.spec` reads and validates a calibration config, :mod:`.run` wires the
model function, distance and sampler into pyabc and drives a resumable run,
:mod:`.report` writes the posterior, calibrated.yaml, plots and report, and
:mod:`.command` is ``alliancesim calibrate``.  pyabc is imported only when a
calibration runs (``pip install 'alliancesim[calibrate]'``).
"""

from .spec import CalibrationSpec, load_calibration_spec, spec_from_dict

__all__ = ["CalibrationSpec", "load_calibration_spec", "spec_from_dict"]
