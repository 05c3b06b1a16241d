"""R15: does alliance experience depreciate?  The design of Sampson (2005), after Argote, Beckman & Epple (1990).

Sampson asked whether a firm's prior alliances keep paying off or whether
their lessons depreciate, and answered it as the learning-curve literature
does: experience enters as a *discounted* stock, each prior alliance weighted
by ``retention ** age`` (its age in years at the new alliance's start), and
the retention rate is estimated by profile likelihood, the model fitted at
every rate of a grid and the best-fitting rate kept.  No depreciation is
``retention = 1`` (the plain cumulative count); the likelihood-ratio test of
the best rate against it is the test of depreciation.

What is explained is what the study explained: how much a firm *benefits*
from a new alliance ("collaborative benefits", in the study's abstract: its
innovation after the alliance, which a later replication of the design,
Rubin de Celis & Lipinski 2007, measures as post-alliance patenting with
pre-alliance patents controlled).  Here that is the firm's new products in
the :data:`BENEFIT_YEARS` years from the alliance's start, controlled for
its new products in the as many years before (the simulated firm's
"patents"), both as ``log(1 + count)``.

The data set is every alliance seen from each small partner's side (the
firms whose capture of lessons makes experience matter at all) whose firm
is in the market through the whole window; experience = the firm's
alliances completed before the start (lessons are learned when an alliance
ends, so each is dated by its end, as a researcher with the alliance table
would date it), discounted, entered as ``log(1 + stock)`` (learning curves
are log-linear).  The model is ordinary least squares with partner,
portfolio and deal controls, the firm's pre-alliance products and
start-year dummies, standard errors clustered by firm.  ``fixed_effects``
(a check, not the study's design) adds firm fixed effects, which the
pre-alliance products stand in for.

Estimates (``fit``): ``annual_depreciation`` = 1 - the best retention rate
(its ``.p`` is the likelihood-ratio p-value against no depreciation),
``depreciation_lr`` (the statistic), ``half_life_years`` and the experience
slope at the best rate.  Nothing here reads the simulation's know-how: the
regressors are counts a researcher codes from announcements.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ..config import Config
from ..metrics import year_of
from .fitting import FitError, terms

__all__ = ["prior_ages", "discounted", "cumulative_products", "products_between", "dataset", "data", "regressors",
           "fit_at", "profile", "depreciation_test", "fit", "RETENTION_GRID", "CONTROLS", "BENEFIT_YEARS"]

# Annual retention rates profiled: 1.0 is no depreciation; 0.05 keeps a twentieth of one year's experience.
RETENTION_GRID = np.round(np.arange(0.05, 1.0001, 0.05), 2)
CONTROLS = ["partner_experience", "partner_large", "partner_capability", "partner_function", "partner_specific",
            "portfolio", "portfolio_sq", "exploitation", "log_value", "small_share", "protective", "prior_products"]
BENEFIT_YEARS = 4  # the window of the firm's benefit after an alliance's start, and of its products before it


def prior_ages(alliances: pd.DataFrame, firms: np.ndarray, starts: np.ndarray, ticks_per_year: int) -> np.ndarray:
    """Ages in years (at ``starts[i]``) of every alliance firm ``firms[i]`` completed before it: a padded
    (rows x most completions) array, NaN where a firm has fewer."""
    done = alliances[alliances["end_tick"].notna()]
    own = np.concatenate([done["firm_a"].to_numpy(), done["firm_b"].to_numpy()]).astype(np.int64)
    ends = np.tile(done["end_tick"].to_numpy(dtype=np.int64), 2)
    order = np.lexsort((ends, own))
    own, ends = own[order], ends[order]
    first = np.searchsorted(own, firms, side="left")
    # completed strictly before the start: ended at a tick < start
    count = np.searchsorted(own * (1 << 32) + ends, firms.astype(np.int64) * (1 << 32) + starts, side="left") - first
    width = int(count.max(initial=0))
    ages = np.full((len(firms), max(width, 1)), np.nan)
    for k in range(width):  # the k-th completion of each firm that has at least k + 1
        has = count > k
        ages[has, k] = (starts[has] - ends[first[has] + k]) / ticks_per_year
    return ages


def discounted(ages: np.ndarray, retention: float) -> np.ndarray:
    """Experience stock: each prior completion weighted by ``retention ** age`` (NaN padding counts 0)."""
    # not nansum(retention ** ages): 1.0 ** nan is 1.0 in IEEE arithmetic, so the padding would count at retention 1
    return np.where(np.isnan(ages), 0.0, np.power(retention, ages)).sum(axis=1)


def cumulative_products(firms: pd.DataFrame) -> pd.Series:
    """The firm panel's cumulative new products, indexed by (firm id, tick)."""
    return pd.Series(firms["products"].to_numpy(dtype=float),
                     index=pd.MultiIndex.from_arrays([firms["firm_id"].to_numpy(), firms["tick"].to_numpy()]))


def products_between(count: pd.Series, firm: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """New products of each ``firm[i]`` from snapshot tick ``start[i]`` to ``end[i]`` (``count``:
    :func:`cumulative_products`); NaN where the firm has no snapshot at either (not in the market then)."""

    def at(ticks: np.ndarray) -> np.ndarray:
        return count.reindex(pd.MultiIndex.from_arrays([firm, ticks])).to_numpy(dtype=float)

    return at(end) - at(start)


def dataset(alliances: pd.DataFrame, firms: pd.DataFrame, ticks_per_year: int, interval: int,
            size: str = "small") -> tuple[pd.DataFrame, np.ndarray]:
    """One row per alliance and partner of ``size`` whose firm is in the market from :data:`BENEFIT_YEARS` before
    the start to as many after (the panel's snapshots every ``interval`` ticks date the windows: the last one at or
    before the start): the benefit, the controls; and the ages of each row's prior completions (:func:`prior_ages`)."""
    a = alliances
    window = BENEFIT_YEARS * ticks_per_year
    count = cumulative_products(firms)
    parts, ages = [], []
    for own, other in (("a", "b"), ("b", "a")):
        d = a[a[f"size_{own}"] == size]
        if d.empty:
            continue
        firm, start = d[f"firm_{own}"].to_numpy(dtype=np.int64), d["start_tick"].to_numpy(dtype=np.int64)
        mark = start // interval * interval
        after = products_between(count, firm, mark, mark + window)
        before = products_between(count, firm, mark - window, mark)
        keep = np.isfinite(after) & np.isfinite(before)
        d, firm, start = d[keep], firm[keep], start[keep]
        load = d[f"portfolio_{own}"].astype(float).to_numpy()
        parts.append(pd.DataFrame({
            "benefit": np.log1p(after[keep]),
            "partner_experience": d[f"general_experience_{other}"].to_numpy() / 10.0,
            "partner_large": (d[f"size_{other}"] == "large").astype(float).to_numpy(),
            "partner_capability": d[f"capability_{other}"].to_numpy(),
            "partner_function": d[f"function_{other}"].astype(float).to_numpy(),
            "partner_specific": d["partner_specific_experience"].astype(float).to_numpy(),
            "portfolio": load, "portfolio_sq": load**2,
            "exploitation": (d["type"] == "exploitation").astype(float).to_numpy(),
            "log_value": np.log(d["value_at_stake"]).to_numpy(),
            "small_share": d[f"share_{own}"].to_numpy(),
            "protective": (d["governance"] == "protective").astype(float).to_numpy(),
            "prior_products": np.log1p(before[keep]),  # the study's pre-alliance patents
            "start_year": year_of(start, ticks_per_year).astype(int),
            "firm": firm,
        }))
        ages.append(prior_ages(a, firm, start, ticks_per_year))
    if not sum(len(x) for x in parts):  # no rows (no parts, or every window unobserved)
        return pd.DataFrame(columns=["benefit", *CONTROLS, "start_year", "firm"]), np.zeros((0, 1))
    width = max(x.shape[1] for x in ages)
    padded = np.vstack([np.pad(x, ((0, 0), (0, width - x.shape[1])), constant_values=np.nan) for x in ages])
    return pd.concat(parts, ignore_index=True), padded


def data(frames: Mapping[str, pd.DataFrame], config: Config) -> pd.DataFrame:
    """The rows with their prior completions' ages as columns ``age_0 ..`` (a researcher's alliance histories)."""
    rows, ages = dataset(frames["alliances"], frames["firms"], config.run.ticks_per_year, config.output.firm_interval)
    return pd.concat([rows, pd.DataFrame(ages, columns=[f"age_{k}" for k in range(ages.shape[1])])], axis=1)


def _ages(data: pd.DataFrame) -> np.ndarray:
    return data[[c for c in data.columns if c.startswith("age_")]].to_numpy(dtype=float)


def regressors(data: pd.DataFrame, fixed_effects: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The benefit, the controls with start-year dummies and a constant, and the firm codes.  With
    ``fixed_effects`` the benefit and the controls are demeaned within firm instead (firm and year fixed effects;
    the year dummies are demeaned too, which makes the year effects exact in the unbalanced panel) and the columns
    with no within-firm variation dropped."""
    firm = pd.factorize(data["firm"])[0]
    years = pd.get_dummies(data["start_year"], prefix="year", drop_first=True, dtype=float)
    x = pd.concat([data[CONTROLS].astype(float), years], axis=1).to_numpy()
    y = data["benefit"].to_numpy(dtype=float)
    if not fixed_effects:
        return y, np.column_stack([np.ones(len(y)), x]), firm
    x = _demean(x, firm)
    x = x[:, x.std(axis=0) > 1e-12]
    return _demean(y[:, None], firm)[:, 0], x, firm


def _demean(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    counts = np.bincount(groups)
    means = np.stack([np.bincount(groups, x[:, j], len(counts)) for j in range(x.shape[1])], axis=1) / counts[:, None]
    return x - means[groups]


def _stock(held: np.ndarray, firm: np.ndarray, fixed_effects: bool) -> np.ndarray:
    """``log(1 + held)`` (the discounted stock of each row), demeaned within firm with ``fixed_effects``."""
    stock = np.log1p(held)
    return _demean(stock[:, None], firm)[:, 0] if fixed_effects else stock


def fit_at(data: pd.DataFrame, retention: float, fixed_effects: bool = False):
    """The model at one retention rate (statsmodels OLS, SEs clustered by firm)."""
    import statsmodels.api as sm

    y, x, firm = regressors(data, fixed_effects)
    stock = _stock(discounted(_ages(data), retention), firm, fixed_effects)
    design = pd.DataFrame(np.column_stack([stock, x]), columns=["experience", *[f"x{j}" for j in range(x.shape[1])]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": firm}, use_t=True)


def profile(data: pd.DataFrame, grid: np.ndarray = RETENTION_GRID, fixed_effects: bool = False) -> np.ndarray:
    """Residual sum of squares of the model at each retention rate of ``grid``.

    Only the experience stock changes along the grid, so the controls are projected out once (Frisch-Waugh-Lovell:
    the RSS of ``y`` on ``[stock, x]`` is that of ``y`` on ``x`` less what the stock's part orthogonal to ``x``
    explains), with the orthonormal basis and rank ``np.linalg.lstsq`` would use; the same RSS as one least-squares
    fit per rate, to round-off."""
    y, x, firm = regressors(data, fixed_effects)
    ages = _ages(data)
    known = ~np.isnan(ages)
    rows, completed = known.nonzero()[0], ages[known]  # each row's prior completions, in order (no padding)
    basis = _basis(x)
    y_res = y - basis @ (basis.T @ y)
    rss_x = float(y_res @ y_res)
    out = np.empty(len(grid))
    for i, rate in enumerate(grid):
        held = np.bincount(rows, np.power(rate, completed), minlength=len(ages))  # discounted(ages, rate)
        stock = _stock(held, firm, fixed_effects)
        s_res = stock - basis @ (basis.T @ stock)
        ss = float(s_res @ s_res)
        # a stock (numerically) inside the controls' span explains nothing more (lstsq's rank cut-off)
        out[i] = rss_x - float(s_res @ y_res) ** 2 / ss if ss > _rank_tolerance(stock, x) else rss_x
    return out


def _basis(x: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the span of ``x``'s columns: its left singular vectors above lstsq's default cut-off."""
    if x.shape[1] == 0:
        return np.zeros((x.shape[0], 0))
    u, sv, _ = np.linalg.svd(x, full_matrices=False)
    return u[:, sv > np.finfo(float).eps * max(x.shape) * sv[0]]


def _rank_tolerance(stock: np.ndarray, x: np.ndarray) -> float:
    """Squared norm below which the stock's part orthogonal to the controls counts as zero (lstsq's cut-off)."""
    scale = max(float(stock @ stock), 1e-300)
    return (np.finfo(float).eps * max(x.shape[0], x.shape[1] + 1)) ** 2 * scale


def depreciation_test(rss: np.ndarray, n: int) -> tuple[int, float, float]:
    """The best retention rate's position in :data:`RETENTION_GRID` (``rss``: the residual sums of squares along
    it, ``n`` rows), and the likelihood-ratio statistic against no depreciation (rate 1, the grid's last point) with
    its p-value (Gaussian profile log-likelihood: -n/2 log(RSS); chi-square, one degree of freedom)."""
    best = int(np.argmin(rss))
    lr = max(float(n * np.log(rss[-1] / rss[best])), 0.0)
    return best, lr, float(stats.chi2.sf(lr, 1)) if lr > 0 else 1.0


def fit(data: pd.DataFrame, min_rows: int = 100, fixed_effects: bool = False) -> dict[str, float]:
    """Profile likelihood of the annual retention rate; the likelihood-ratio test of no depreciation."""
    if len(data) < min_rows:
        raise FitError(f"only {len(data)} alliances (need {min_rows})")
    if data["firm"].nunique() < 10:
        raise FitError(f"only {data['firm'].nunique()} firms")
    n = len(data)
    best, lr, p = depreciation_test(profile(data, fixed_effects=fixed_effects), n)
    rate = float(RETENTION_GRID[best])
    est = terms(fit_at(data, rate, fixed_effects), ["experience"])
    est = {k.replace("experience", "experience_slope", 1): v for k, v in est.items()}
    est.update({
        "annual_depreciation": 1.0 - rate, "annual_depreciation.p": p,
        "depreciation_lr": lr, "retention": rate,
        "half_life_years": float(np.log(0.5) / np.log(rate)) if rate < 1.0 else float("inf"),
        "n": float(n), "firms": float(data["firm"].nunique()),
    })
    return est
