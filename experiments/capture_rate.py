"""Headline sweep 4: the learning-capture rate.

Sweeps firms.small.capture_rate x learning.function_capture_bonus and plots
mean know-how, alliance success and output against the capture rate, one line
(with its 95% CI band) per alliance-function bonus: experience only pays when
it is captured.

    python experiments/capture_rate.py [--reps 3] [--workers 2]
"""

from _common import effect_panels, run_experiment, save

KEY, BONUS = "firms.small.capture_rate", "learning.function_capture_bonus"


def main() -> None:
    args, out, runs = run_experiment("capture_rate", __doc__.splitlines()[0])

    metrics = {m: m for m in ("mean_knowhow", "success_rate", "products_per_firm_year")}
    fig = effect_panels(runs, KEY, BONUS, metrics, "small firms' capture rate", "function bonus",
                        "Learning capture: mean over replications, 95% CI")
    save(fig, args, "capture_rate.png")


if __name__ == "__main__":  # worker processes re-import this file
    main()
