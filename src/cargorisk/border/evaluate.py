"""Honest evaluation of the border wait model against naive forecasts.

Two tests, each on cells CBP observed open (El Paso's commercial history: Ysleta, Bridge of the
Americas; month x weekday x hour averages, General lanes only: CBP publishes no FAST commercial
sub-lane there, so FAST and standard waits cannot be evaluated apart):

- **Leave one crossing out**: fit on the other observed crossing(s) alone and predict the held-out
  crossing from its own volume, season and hours, as every unobserved crossing is predicted (with
  one training crossing the elasticity is the 0.5 prior).
- **Time-ordered holdout**: fit each crossing on January-August and predict September-December.
  CBP's averages carry no year, so this is the later part of the calendar year, not later years.

Baselines get the same training cells: zero wait; the hour-of-week mean (of the other crossings
when one is left out, of the crossing's own training months in the time-ordered test); and a
volume-only model (the level the volume scaling gives, flat over hours; the crossing's own
training mean in the time-ordered test). Errors are MAE in minutes over the open test cells.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from cargorisk.border.hours import PortHours, holidays_of
from cargorisk.border.waits import BorderWaitModel

TRAIN_MONTHS = tuple(range(1, 9))
BASELINES = ("zero", "hour_of_week", "volume_only")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def regular_day(month: int, weekday: int) -> date:
    """A 2026 date in ``month`` on ``weekday`` that is no holiday (the cells are regular days)."""
    day = date(2026, month, 1) + timedelta(days=(weekday - date(2026, month, 1).weekday()) % 7)
    while holidays_of(day):
        day += timedelta(days=7)
    return day


def predict_cells(model: BorderWaitModel, crossing: str, keys: pd.DataFrame, zone: str) -> np.ndarray:
    """The model's modelled wait (with the backlog at opening) at (month, weekday, hour) cells."""
    out = []
    for month, weekday, hour in keys.itertuples(index=False):
        local = datetime.combine(regular_day(month, weekday), datetime.min.time(), ZoneInfo(zone))
        local = local.replace(hour=int(hour))
        span = model.hours_.span(crossing, local.date())
        backlog = model.backlog_min(crossing, local, span)
        out.append(max(model.modelled(crossing, month, weekday, hour), backlog))
    return np.asarray(out)


def how_mean(train: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    """Hour-of-week mean of the training cells (hour mean, then overall mean where missing)."""
    by_week = train.groupby(level=["weekday", "hour"])["wait_min"].mean()
    by_hour = train.groupby(level="hour")["wait_min"].mean()
    values = [
        by_week.get((d, h), by_hour.get(h, train["wait_min"].mean()))
        for _, d, h in keys.itertuples(index=False)
    ]
    return np.asarray(values, dtype=float)


def score(truth: np.ndarray, forecasts: dict[str, np.ndarray]) -> dict[str, float]:
    """MAE of each forecast, the model's bias and the cell count."""
    out: dict[str, float] = {name: float(np.mean(np.abs(f - truth))) for name, f in forecasts.items()}
    out["model_bias"] = float(np.mean(forecasts["model"] - truth))
    out["cells"] = len(truth)
    return out


def open_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The open cells of an observed crossing."""
    return cells[cells["is_open"]]


def leave_one_out(observed: dict[str, pd.DataFrame], crossings: pd.DataFrame, hours: PortHours) -> list[dict]:
    """One row per held-out observed crossing (see module docstring)."""
    zones = crossings.set_index("crossing")["time_zone"]
    rows = []
    for target, cells in observed.items():
        train = {c: other for c, other in observed.items() if c != target}
        model = BorderWaitModel(elasticity=None if len(train) > 1 else 0.5).fit(train, crossings, hours)
        test = open_cells(cells)
        keys = test.index.to_frame(index=False)
        pooled = pd.concat([open_cells(c) for c in train.values()])
        forecasts = {
            "model": predict_cells(model, target, keys, zones[target]),
            "zero": np.zeros(len(test)),
            "hour_of_week": how_mean(pooled, keys),
            "volume_only": np.full(len(test), model.level(target)),
        }
        rows.append(
            {
                "test": "leave one crossing out",
                "crossing": target,
                **score(test["wait_min"].to_numpy(), forecasts),
            }
        )
    return rows


def time_ordered(observed: dict[str, pd.DataFrame], crossings: pd.DataFrame, hours: PortHours) -> list[dict]:
    """One row per observed crossing: fit on January-August, predict September-December."""
    zones = crossings.set_index("crossing")["time_zone"]
    months = lambda cells, train: cells[cells.index.get_level_values("month").isin(TRAIN_MONTHS) == train]  # noqa: E731
    training = {c: months(cells, True) for c, cells in observed.items()}
    model = BorderWaitModel().fit(training, crossings, hours)
    rows = []
    for crossing, cells in observed.items():
        # the level of the training months carries their season: take it out
        model.levels_[crossing] /= float(np.mean([model.season(crossing, m) for m in TRAIN_MONTHS]))
        model.memo().clear()
        test, train = open_cells(months(cells, False)), open_cells(training[crossing])
        keys = test.index.to_frame(index=False)
        forecasts = {
            "model": predict_cells(model, crossing, keys, zones[crossing]),
            "zero": np.zeros(len(test)),
            "hour_of_week": how_mean(train, keys),
            "volume_only": np.full(len(test), train["wait_min"].mean()),
        }
        rows.append(
            {
                "test": "time-ordered (Sep-Dec)",
                "crossing": crossing,
                **score(test["wait_min"].to_numpy(), forecasts),
            }
        )
    return rows


def evaluate_waits(
    observed: dict[str, pd.DataFrame], crossings: pd.DataFrame, hours: PortHours
) -> pd.DataFrame:
    """Both tests (see module docstring): one row per test and crossing, MAE of the model and
    the three baselines, the model's bias, cells, and whether the model beats zero and the
    hour-of-week mean."""
    rows = time_ordered(observed, crossings, hours)
    if len(observed) > 1:
        rows = leave_one_out(observed, crossings, hours) + rows
    table = pd.DataFrame(rows)
    table["beats_naive"] = table["model"] < table[["zero", "hour_of_week"]].min(axis=1)
    return table


def uncertain_crossings(evaluation: pd.DataFrame, crossings: pd.DataFrame, observed: list[str]) -> set[str]:
    """Crossings whose modelled waits are not better than naive: every unobserved crossing when
    the model loses a leave-one-out test (the test of how they are predicted), or when there is
    none (a single observed crossing). Observed crossings answer with CBP's own averages."""
    loo = evaluation[evaluation["test"] == "leave one crossing out"]
    if loo.empty or not loo["beats_naive"].all():
        return set(crossings["crossing"]) - set(observed)
    return set()


# ---- seasons against the published produce seasons ----


def months_named(text: str) -> list[int]:
    """Months a text names ('Oct-Mar' -> 10, 11, 12, 1, 2, 3; 'Jan-Feb peak' -> 1, 2)."""
    text = text.lower()
    ranges = re.findall(r"\b(" + "|".join(MONTHS) + r")[a-z]*\s*-\s*(" + "|".join(MONTHS) + r")", text)
    if ranges:
        a, b = MONTHS.index(ranges[0][0]) + 1, MONTHS.index(ranges[0][1]) + 1
        return [(a - 1 + i) % 12 + 1 for i in range((b - a) % 12 + 1)]
    return [MONTHS.index(m) + 1 for m in re.findall(r"\b(" + "|".join(MONTHS) + r")", text)]


def season_check(model: BorderWaitModel, seasons: pd.DataFrame | None, named: dict[str, str]) -> list[dict]:
    """Per published season fact about a modelled port: the months it names and the model's
    wait factor in them against the other months (> 1: the model peaks in that season).

    ``named``: fact port text -> crossing ('Nogales (Mariposa)' -> 'Mariposa')."""
    rows = []
    for fact in [] if seasons is None else seasons.itertuples(index=False):
        crossing = next((c for key, c in named.items() if key in fact.port), None)
        months = months_named(fact.period_or_months)
        if crossing is None or not months or len(months) == 12:
            continue
        inside = np.mean([model.season(crossing, m) for m in months])
        outside = np.mean([model.season(crossing, m) for m in range(1, 13) if m not in months])
        rows.append(
            {
                "crossing": crossing,
                "fact": fact.fact,
                "months": fact.period_or_months,
                "source": fact.source_url,
                "season_vs_rest": round(float(inside / outside), 3),
            }
        )
    return rows
