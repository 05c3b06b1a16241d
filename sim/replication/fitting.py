"""Small statsmodels helpers shared by the study designs: fits, coefficients, turning points.

Each design builds its own data set and calls these; keeping them here means
the clustering, the quadratic turning point and the handling of a fit that
cannot be estimated are written once.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Coef", "FitError", "fit_logit", "fit_count", "coef", "turning_point", "turning_point_difference", "wald_p", "cluster_groups",
           "terms", "combination", "drop_perfect_predictors"]


class FitError(RuntimeError):
    """The simulated data cannot support the study's model (too few cases, no variation)."""


@dataclass(frozen=True)
class Coef:
    estimate: float
    std_error: float
    p_value: float


def cluster_groups(*cols: pd.Series) -> np.ndarray:
    """Cluster labels: one column clusters by it, two give two-way clustering."""
    arrays = [pd.factorize(np.asarray(c))[0] for c in cols]
    return arrays[0] if len(arrays) == 1 else np.column_stack(arrays)


def _design(df: pd.DataFrame, x: list[str]) -> pd.DataFrame:
    import statsmodels.api as sm

    return sm.add_constant(df[x].astype(float), has_constant="add")


def _check(df: pd.DataFrame, y: str, x: list[str], min_rows: int) -> None:
    if len(df) < min_rows:
        raise FitError(f"only {len(df)} observations (need {min_rows})")
    flat = [v for v in x if df[v].std() == 0]
    if flat:
        raise FitError(f"no variation in {', '.join(flat)}")
    if df[y].nunique() < 2:
        raise FitError(f"no variation in the outcome {y}")


def drop_perfect_predictors(df: pd.DataFrame, y: str, dummies: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Drop each 0/1 dummy whose ones all share one outcome, with those rows (as Stata's logit does).

    Such a dummy predicts its rows perfectly, so its coefficient runs off to
    infinity and the fit never converges (alliances started in the window's
    last year have ended only if they failed early).  Returns the rows kept
    and the dummies dropped.
    """
    dropped = [d for d in dummies if df.loc[df[d] == 1, y].nunique() == 1]
    if not dropped:
        return df, []
    return df[(df[dropped] == 0).all(axis=1)], dropped


def fit_logit(df: pd.DataFrame, y: str, x: list[str], groups: np.ndarray, min_rows: int = 50, dummies: list[str] = ()):
    """Logit of binary ``y`` on ``x`` with cluster-robust standard errors.

    Inference uses t / F distributions with the cluster count's degrees of
    freedom (as Stata does): with a few dozen large firms, normal critical
    values would reject a true null too often.  ``dummies`` (fixed effects)
    that predict the outcome perfectly are dropped with their rows first.
    """
    import statsmodels.api as sm

    if dummies:
        keep, dropped = drop_perfect_predictors(df, y, list(dummies))
        if dropped:
            kept = np.asarray(groups)[df.index.get_indexer(keep.index)]
            groups = cluster_groups(*(kept.T if kept.ndim == 2 else [kept]))
            df, x = keep, [v for v in x if v not in dropped]
    _check(df, y, x, min_rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return sm.Logit(df[y].astype(float), _design(df, x)).fit(
                disp=0, maxiter=200, cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        except (np.linalg.LinAlgError, ValueError) as err:  # perfect separation, singular design
            raise FitError(str(err).splitlines()[0]) from None


def fit_count(df: pd.DataFrame, y: str, x: list[str], groups: np.ndarray, family: str = "poisson", min_rows: int = 50):
    """Poisson (or negative binomial) GLM of count ``y`` on ``x``, standard errors clustered by ``groups``."""
    import statsmodels.api as sm

    _check(df, y, x, min_rows)
    fam = sm.families.Poisson() if family == "poisson" else sm.families.NegativeBinomial(alpha=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return sm.GLM(df[y].astype(float), _design(df, x), family=fam).fit(
                cov_type="cluster", cov_kwds={"groups": groups})
        except (np.linalg.LinAlgError, ValueError) as err:
            raise FitError(str(err).splitlines()[0]) from None


def coef(result, name: str) -> Coef:
    """Estimate, standard error and two-sided p-value of one term."""
    return Coef(float(result.params[name]), float(result.bse[name]), float(result.pvalues[name]))


def wald_p(result, names: list[str]) -> float:
    """p-value of the joint test that every term in ``names`` is zero."""
    params = np.asarray(result.params)
    index = list(result.params.index)
    r = np.zeros((len(names), len(params)))
    for i, name in enumerate(names):
        r[i, index.index(name)] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(result.wald_test(r, scalar=True).pvalue)


def _peak(b1: float, b2: float) -> tuple[float, np.ndarray]:
    """Peak ``-b1 / (2 b2)`` of a quadratic and its gradient in ``(b1, b2)`` (the delta method's)."""
    return -b1 / (2.0 * b2), np.array([-1.0 / (2.0 * b2), b1 / (2.0 * b2**2)])


def turning_point(result, linear: str, square: str, scale: float = 1.0) -> Coef:
    """Peak ``-b1 / (2 b2)`` of a quadratic, with a delta-method standard error (in units of ``scale``)."""
    b1, b2 = float(result.params[linear]), float(result.params[square])
    cov = result.cov_params().loc[[linear, square], [linear, square]].to_numpy()
    if b2 == 0.0:
        return Coef(float("nan"), float("nan"), float("nan"))
    tp, grad = _peak(b1, b2)
    se = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    return Coef(tp * scale, se * scale, float("nan"))


def turning_point_difference(result, high: tuple[str, str], low: tuple[str, str]) -> Coef:
    """Peak of quadratic ``high`` minus peak of quadratic ``low`` (each ``(linear, square)``) of one fit, with a
    delta-method standard error over the fit's full covariance of the four terms and a two-sided p."""
    from scipy.stats import norm

    names = [*high, *low]
    b = result.params[names].to_numpy(dtype=float)
    if b[1] == 0.0 or b[3] == 0.0:
        return Coef(float("nan"), float("nan"), float("nan"))
    cov = result.cov_params().loc[names, names].to_numpy()
    (peak_high, grad_high), (peak_low, grad_low) = _peak(b[0], b[1]), _peak(b[2], b[3])
    diff = peak_high - peak_low
    grad = np.concatenate([grad_high, -grad_low])
    se = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    p = float(2 * norm.sf(abs(diff) / se)) if se > 0 else float("nan")
    return Coef(float(diff), se, p)


def terms(result, names: list[str], index: list[str] | None = None) -> dict[str, float]:
    """``{name, name.se, name.p, name.df}`` of each term (``index``: parameter names when the result has none)."""
    out: dict[str, float] = {}
    for name in names:
        out.update(combination(result, {name: 1.0}, name, index))
    return out


def combination(result, weights: dict[str, float], name: str, index: list[str] | None = None) -> dict[str, float]:
    """Estimate, SE, two-sided p and t degrees of freedom of ``sum(w * coef)``, named ``name``."""
    index = list(result.params.index) if index is None else index
    r = np.zeros(len(index))
    for term, w in weights.items():
        r[index.index(term)] = w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        test = result.t_test(r[None, :])
    df = getattr(test, "df_denom", None)
    return {name: float(np.squeeze(test.effect)), f"{name}.se": float(np.squeeze(test.sd)),
            f"{name}.p": float(np.squeeze(test.pvalue)),
            f"{name}.df": float(df) if test.distribution == "t" and df is not None else float("nan")}
