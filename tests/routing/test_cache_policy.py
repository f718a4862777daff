"""One cache policy for every cargo type and objective: the searches, prepared weights and path
summaries of every type's router share one set of caches bounded in bytes and entries, and stay
within those bounds under varied plans (the audit found plain dicts growing without limit for
every type but general freight); a search leaves its cache with the weights it shares."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from cargorisk.risk.cargo import card_table, multiplier
from cargorisk.routing import Router
from cargorisk.routing.pool import CachePolicy, PathFinder, mask_key

SMALL = CachePolicy(
    searches_mb=1, searches=40, prepared_mb=150, prepared=60, summaries_mb=0.5, summaries=60,
    request_searches_mb=0.5, request_searches=20, request_prepared_mb=40, request_prepared=12,
)  # fmt: skip
PLACES = ["Monterrey, NL", "Saltillo", "Dallas, TX", "Laredo, TX", "Querétaro", "Houston, TX", "Torreón"]


def test_every_cargo_type_shares_one_bounded_cache(router: Router) -> None:
    small = router.with_caches(SMALL)
    assert small.finder.trees is not router.finder.trees
    kinds = ["general", *[row["cargo_type"] for row in card_table()]]
    typed = [small.for_cargo(kind) for kind in kinds]
    assert all(r.finder.trees is small.finder.trees for r in typed)  # one cache for every type
    assert len({r.finder.namespace for r in typed}) == len(kinds)  # each type its own entries
    rng = np.random.default_rng(3)
    peak = 0
    for i in range(24):
        a, b = rng.choice(PLACES, 2, replace=False)
        small.plan(
            str(a), str(b), depart=f"2026-03-{2 + i % 20:02d}T{i % 24:02d}:00-06:00",
            cargo_value=float(rng.integers(10, 2000)) * 1000, cargo_type=kinds[i % len(kinds)],
            objective=["balanced", "fastest", "safest"][i % 3], alternatives=1,
        )  # fmt: skip
        for name, (size, entries) in small.finder.cache_sizes().items():
            limit_mb, limit_entries = {
                "searches": (SMALL.searches_mb, SMALL.searches),
                "prepared": (SMALL.prepared_mb, SMALL.prepared),
                "summaries": (SMALL.summaries_mb, SMALL.summaries),
                "request searches": (SMALL.request_searches_mb, SMALL.request_searches),
                "request prepared": (SMALL.request_prepared_mb, SMALL.request_prepared),
                "legs": (SMALL.legs_mb, SMALL.legs),
            }[name]
            assert size <= limit_mb * 2**20 and entries <= limit_entries, (name, size, entries)
        peak = max(peak, small.finder.cache_sizes()["searches"][0])
        # a search shares arrays of its weights' entries: it never outlives them uncounted
        caches = small.finder.caches
        for trees, weights in (
            (caches.trees, caches.prepared),
            (caches.request_trees, caches.request_prepared),
        ):
            assert all(parent in weights for tree in trees.values() for parent in tree.depends)
    assert peak >= 0.8 * SMALL.searches_mb * 2**20  # filled, then evicting


def test_a_type_plans_the_same_with_its_entries_in_the_shared_cache(router: Router) -> None:
    """Sharing the cache changes no answer: a type's plan from a fresh finder equals its plan
    from the shared one after other types filled it."""
    fresh = copy.copy(router)
    fresh.finder = PathFinder(fresh)
    shared = router.for_cargo("pharma").plan(
        "Monterrey, NL", "Dallas, TX", cargo_value=300_000, cargo_type="pharma"
    )
    alone = fresh.plan("Monterrey, NL", "Dallas, TX", cargo_value=300_000, cargo_type="pharma")
    assert alone.recommended.theft_prob == pytest.approx(shared.recommended.theft_prob, rel=1e-12)
    assert alone.recommended.km == shared.recommended.km


def test_a_lane_book_process_keeps_every_search_of_its_book(
    router: Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """score-lanes scores with BATCH_POLICY (batch.book_router): a book whose lanes share
    places runs each search once (the default bound held a third of a 200-place book's and
    repeated the rest: 8,408 searches for 3,087 distinct on 2,000 lanes)."""
    from cargorisk.batch import LaneScorer  # noqa: PLC0415
    from cargorisk.routing.pool import BATCH_POLICY  # noqa: PLC0415

    book_router = router.with_caches(BATCH_POLICY)
    runs = []
    fresh_search = PathFinder.fresh_search
    monkeypatch.setattr(PathFinder, "fresh_search", lambda *a, **k: runs.append(1) or fresh_search(*a, **k))
    rng = np.random.default_rng(5)
    pairs = [rng.choice(PLACES, 2, replace=False) for _ in range(30)]
    book = pd.DataFrame(
        {"lane_id": range(30), "origin": [a for a, _ in pairs], "destination": [b for _, b in pairs],
         "cargo_value": rng.choice([50_000, 1_000_000], 30)}
    )  # fmt: skip
    before = router.finder.cache_sizes()
    scored = LaneScorer(book_router).score_frame(book)
    assert (scored["status"] == "ok").all()
    sizes = book_router.finder.cache_sizes()
    assert len(runs) == sizes["searches"][1] + sizes["request searches"][1] > 30  # none run twice
    assert router.finder.cache_sizes() == before  # the shared router's caches untouched


def test_every_cargo_type_searches_as_general_freight(router: Router) -> None:
    """A type's risk is general freight's times its multiplier, so its least-cost search at
    cargo value v is general freight's at v x multiplier (one cache entry, the same weights to
    rounding), and its fastest, least-risk and fixed-price searches are general freight's: a
    lane planned for general freight runs only the other type's own least-cost search again."""
    own = router.with_caches(CachePolicy())
    pharma, m = own.for_cargo("pharma"), multiplier("pharma")
    assert m != 1.0
    roads, key = ~own.is_crossing, mask_key(np.ones(len(own.seconds), bool))
    origin = own.gazetteer.resolve("Monterrey, NL").node
    pharma.finder.search("balanced", 200_000, roads, key, origin, reverse=False)  # before its weights
    typed, _ = pharma.finder.weights("balanced", 200_000, roads, key)
    general, _ = own.finder.weights("balanced", 200_000 * m, roads, key)
    assert typed is general
    money = own.pricer.operating + own.pricer.toll
    by_type = own.costs.edge_weights("balanced", own.seconds, pharma.risk, money, 200_000)
    np.testing.assert_allclose(typed, by_type, rtol=1e-12)

    own.plan("Monterrey, NL", "Dallas, TX", alternatives=0)
    before, own_before = set(own.finder.trees.keys()), set(own.finder.caches.request_trees.keys())
    plan = own.plan("Monterrey, NL", "Dallas, TX", cargo_type="pharma", alternatives=0)
    assert plan.cargo_type == "pharma"
    assert set(own.finder.trees.keys()) == before  # every shared search is general freight's
    assert {k[0] for k in before} == {"fastest", "safest", "balanced"}  # balanced: the fixed prices
    new = set(own.finder.caches.request_trees.keys()) - own_before
    assert new and {(k[0], k[1]) for k in new} == {("balanced", 100_000 * m)}  # its cargo value x m


def test_an_alternatives_search_reweights_its_profiles_prepared_search(router: Router, monkeypatch) -> None:
    """The alternatives' penalised search is prepared from its profile's prepared search (only
    the penalised routes' chains summed again) when that is cached, and finds what a search
    prepared from scratch over the penalised weights finds; the cache key is the roads', so a
    mask that differs only in crossings shares it."""
    small = router.with_caches(CachePolicy())
    finder, engine = small.finder, small.engine
    roads = ~small.is_crossing
    key = mask_key(roads)
    assert key == mask_key((small.busy & ~small.is_crossing) | ~small.is_crossing)
    origin = small.gazetteer.resolve("Monterrey, NL").node
    finder.search("balanced", 250_000.0, roads, key, origin, reverse=False)  # the profile's own
    route = small.plan("Monterrey, NL", "Dallas, TX", cargo_value=250_000, alternatives=0).recommended
    used = np.zeros(len(roads), bool)
    used[route.ids] = True
    calls = []
    monkeypatch.setattr(
        engine, "reweighted", lambda *a, **k: calls.append(1) or type(engine).reweighted(engine, *a, **k)
    )
    w, tree = finder.penalised_search("balanced", 250_000.0, used, roads, key, origin, reverse=False)
    assert calls == [1]
    fresh = engine.prepared(w, roads).search(engine.index[origin]).full()[0]
    np.testing.assert_array_equal(tree.tree.full()[0], fresh)
    on_roads = np.asarray(route.ids)[roads[route.ids]]  # the crossing is not a road: not penalised
    base = finder.weights("balanced", 250_000.0, roads, key)[0]
    assert w[on_roads] == pytest.approx(1.4 * base[on_roads])


def test_one_requests_own_searches_do_not_push_out_the_shared_ones(router: Router, monkeypatch) -> None:
    """The searches at a request's own cargo value and its alternatives' penalised searches go
    in the request caches: planning one lane at many cargo values keeps the shared searches
    (fastest, least risk, the fixed risk prices), so replanning it at a new value runs only
    its own least-cost and penalised searches."""
    own = router.with_caches(CachePolicy(request_searches=8, request_prepared=6))
    own.plan("Monterrey, NL", "Dallas, TX", cargo_value=123_400)
    shared = set(own.finder.trees.keys())
    assert {k[0] for k in shared} == {"fastest", "safest", "balanced"}
    for value in range(12):
        own.plan("Monterrey, NL", "Dallas, TX", cargo_value=150_000 + 10_000 * value)
        assert len(own.finder.caches.request_trees) <= 8 and len(own.finder.caches.request_prepared) <= 6
    assert shared <= set(own.finder.trees.keys())
    kept = set(own.finder.trees.keys())
    runs = []
    fresh_search = PathFinder.fresh_search
    monkeypatch.setattr(PathFinder, "fresh_search", lambda *a, **k: runs.append(1) or fresh_search(*a, **k))
    own.plan("Monterrey, NL", "Dallas, TX", cargo_value=777_700)
    assert set(own.finder.trees.keys()) == kept  # every shared search found, none added
    # its own two, two per alternatives' round at most, and its own two again for the fallback
    # crossings' best routes when the alternatives' searches pushed them out of a cache of 8
    assert 2 <= len(runs) <= 10


def test_paths_sharing_a_leg_to_the_crossing_price_as_if_summarised_alone(router: Router) -> None:
    """Crossing paths from one origin share their legs (cached): the schedules at the crossing
    come from the shared leg with the rests after it placed on each path, and every path prices
    exactly as a summary made without the cache (its own legs, its own schedules)."""
    when = pd.Timestamp("2026-03-03T05:00-06:00").to_pydatetime()
    own = router.with_caches(CachePolicy())
    shared = 0
    for destination in ("Dallas, TX", "San Antonio, TX", "Houston, TX"):
        decision = own.decide(
            *own.places("Monterrey, NL", destination), depart=when, cargo=250_000, objective="balanced"
        )
        for path in decision.paths:
            if path.leg is None:
                continue
            shared += path.leg is own.finder.caches.legs[(own.finder.namespace, path.leg.ids.tobytes())]
            alone = own.pricer.summarize(path.ids)  # fresh legs, nothing cached
            assert alone.leg is not path.leg and alone.before == path.before and alone.after == path.after
            for team in (False, True):
                a, b = (
                    own.pricer.price(path, when, 250_000, team=team),
                    own.pricer.price(alone, when, 250_000, team=team),
                )
                assert (a.total_h, a.rest_h, a.theft_prob, a.cost_usd) == (
                    b.total_h,
                    b.rest_h,
                    b.theft_prob,
                    b.cost_usd,
                )
                assert [(x.kind, x.at_s, x.hours) for x in a.schedule] == [
                    (x.kind, x.at_s, x.hours) for x in b.schedule
                ]
    assert shared > 0
    assert own.finder.cache_sizes()["legs"][1] > 0


def test_wait_lookups_stay_bounded_as_departures_move_on(
    router: Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pricing's wait look-ups (one per crossing, direction and hour of arrival) are kept
    up to a limit and then start again: a service asked about ever later departures does not
    keep every hour, and a plan is the same whether its look-ups were kept or made afresh."""
    from cargorisk.routing import pricing  # noqa: PLC0415

    monkeypatch.setattr(pricing, "OPENINGS_LIMIT", 150)
    router.pricer.openings.clear()
    departures = pd.date_range("2026-01-05T05:00-06:00", periods=12, freq="9D")
    kept = []
    for when in departures:
        plan = router.plan("Monterrey, NL", "Dallas, TX", depart=when.isoformat(), alternatives=0)
        kept.append((plan.recommended.arrival, plan.recommended.cost_usd))
        assert len(router.pricer.openings) <= 150
    router.pricer.openings.clear()
    afresh = router.plan("Monterrey, NL", "Dallas, TX", depart=departures[-1].isoformat(), alternatives=0)
    assert (afresh.recommended.arrival, afresh.recommended.cost_usd) == kept[-1]


def test_a_cache_of_no_entries_stores_nothing_and_still_answers(router: Router) -> None:
    """A lane book keeps no path summaries (BATCH_POLICY.summaries = 0: its lanes rarely share
    a whole path, and storing each evicted another): the cache stays empty, every summary is
    made afresh and the same as a kept one."""
    from cargorisk.routing.pool import BATCH_POLICY, BoundedCache, cached  # noqa: PLC0415

    empty = BoundedCache(10, 0, lambda _: 1)
    assert cached(empty, ("a",), lambda: 42) == 42 and len(empty) == 0 and empty.currsize == 0
    book = router.with_caches(BATCH_POLICY)
    kept = router.with_caches(CachePolicy())
    a, b = book.places("Monterrey, NL", "Dallas, TX")
    for finder in (book.finder, kept.finder):
        finder.pool(a.node, b.node, np.ones(len(book.seconds), bool), 100_000.0, None, False)
    assert len(book.finder.summaries) == 0 and len(kept.finder.summaries) > 0
    for key, summary in kept.finder.summaries.items():
        again = book.finder.summary(np.frombuffer(key[1], dtype=np.int64))
        assert (again.km, again.risk, again.before, again.after) == (
            summary.km, summary.risk, summary.before, summary.after,
        )  # fmt: skip


def test_a_cargo_types_arrays_are_made_once_per_process(router: Router) -> None:
    """Every request for a cargo type gets a shallow copy of the router (its own pricing); the
    type's edge risk and exposure tables (about 1 MB) are made once and shared, so the copies a
    service leaves for the cyclic collector hold no arrays of their own (a 90 s soak of varied
    plans settled at 3,073 MB when each copy scaled the tables again, 2,706 MB now)."""
    first, second = router.for_cargo("electronics"), router.for_cargo("electronics")
    assert first is not second and first.cargo == second.cargo == "electronics"
    assert first.risk is second.risk and first.exposure is second.exposure
    assert first.exposure.parked_per_h is not router.exposure.parked_per_h
    np.testing.assert_allclose(
        first.exposure.parked_per_h, router.exposure.parked_per_h * multiplier("electronics"), rtol=1e-15
    )
    np.testing.assert_allclose(first.risk, router.risk * multiplier("electronics"), rtol=1e-15)
