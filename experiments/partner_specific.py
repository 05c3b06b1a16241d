"""Headline sweep 2: the partner-specific experience effect.

Sweeps learning.partner_specific_effect from negative (the default, as in
Hoang & Rothaermel 2005) to positive and plots, per run, the success rate of
alliances with a repeat partner minus that with a new partner, with 95% CI bands
over replications: the gap must change sign with the mechanism's parameter.

    python experiments/partner_specific.py [--reps 4] [--workers 2]
"""

from _common import band, main_effects, plt, run_experiment, save

KEY = "learning.partner_specific_effect"


def main() -> None:
    args, out, runs = run_experiment("partner_specific", __doc__.splitlines()[0])
    runs["repeat_minus_new"] = runs["success_rate_repeat"] - runs["success_rate_new_partner"]

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    band(left, main_effects(runs, KEY, "success_rate_repeat"), "repeat partner")
    band(left, main_effects(runs, KEY, "success_rate_new_partner"), "new partner")
    left.set_ylabel("alliance success rate")
    left.legend()
    band(right, main_effects(runs, KEY, "repeat_minus_new"), "repeat - new", color="C3")
    right.axhline(0, color="k", lw=0.8)
    right.set_ylabel("success gap, repeat - new partner")
    for ax in (left, right):
        ax.set_xlabel(KEY)
        ax.grid(alpha=0.3)
    fig.suptitle("Partner-specific experience: mean over replications, 95% CI")
    save(fig, args, "partner_specific_gap.png")


if __name__ == "__main__":  # worker processes re-import this file
    main()
