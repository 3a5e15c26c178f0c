"""Typed usage examples of the public API; only mypy reads this file (see pyproject).

Each function is how a service would call the library; ``assert_type`` pins the types the
annotations promise, so a change that loosens them (``Any``) fails ``mypy --strict``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, assert_type

from ran_events import eventfile, intake, tz
from ran_events.errors import (
    AmbiguousTimeError,
    EventFileError,
    FileProblem,
    InvalidPolicyConfig,
)
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import Event, Registration, Session
from ran_events.selection import (
    Decision,
    DecisionTable,
    Parameter,
    PolicyParameters,
    select,
)
from ran_events.store import Offer, SqliteStore, Store, open_store
from ran_events.testing import assert_reproducible, feasible_pool


def schedule_in_a_zone() -> str:
    start, end = tz.parse_schedule("20 September 2023, 14.00\u201317:00 CEST")
    assert_type(start, dt.datetime)
    deadline = tz.end_of_day(dt.date(2023, 9, 6), "Europe/Brussels")
    assert_type(deadline, dt.datetime)
    stdlib = tz.localize(dt.datetime(2023, 9, 20, 14), zoneinfo.ZoneInfo("Europe/Brussels"))
    assert_type(tz.to_utc(stdlib), dt.datetime)
    return tz.format_range(start, end, "UTC")


def resolve_the_fold(wall: dt.datetime) -> dt.datetime:
    try:
        return tz.localize(wall, "Europe/Brussels")
    except AmbiguousTimeError as exc:
        assert_type(exc.candidates, tuple[dt.datetime, ...])
        return tz.localize(wall, "Europe/Brussels", disambiguate="later")


def load_an_event(path: str) -> Event | list[FileProblem]:
    try:
        event = eventfile.load(path)
    except EventFileError as exc:
        return list(exc.problems)
    assert_type(event.sessions, tuple[Session, ...])
    assert_type(eventfile.dumps(event), str)
    assert_type(eventfile.loads(eventfile.dumps(event, format="json"), format="json"), Event)
    return event.reschedule("plenary", start=event.start, end=event.end)


def a_pool() -> list[Registration]:
    event = webinar()
    pool = synthetic_applicants(10, seed=2023, event=event)
    assert_type(pool, list[Registration])
    return pool


def take_in_applications(path: str) -> tuple[Registration, ...]:
    """Every reader of applications gives the same report; every row has the same shape."""
    event = webinar()
    report = intake.read_csv(path, event, zone="Europe/Brussels")
    assert_type(report, intake.ImportReport)
    assert_type(intake.read_jsonl(path, event), intake.ImportReport)
    assert_type(intake.read_json(path), intake.ImportReport)
    for row in report.rejected:
        assert_type(row, intake.RejectedRow)
        assert_type((row.line, row.field, row.reason, row.code), tuple[int, str, str, str])
    intake.write_jsonl(report.accepted, path + ".jsonl")
    return report.accepted


def the_event_zone() -> dt.tzinfo:
    event = webinar()
    assert_type(event.zone, dt.tzinfo)
    assert_type(tz.localize(dt.datetime(2023, 9, 20, 14), zone=event.zone), dt.datetime)
    return event.zone


def a_plug_in_refuses(weight: float) -> InvalidPolicyConfig:
    declared = PolicyParameters(
        policy="weighted", parameters=(Parameter(name="floor", kind=float, default=0.0),)
    )
    assert_type(declared.validate({"floor": weight}), dict[str, Any])
    error = InvalidPolicyConfig("a weight must be positive", parameter="weights.role.prison")
    assert_type(error.with_policy("weighted"), InvalidPolicyConfig)
    return InvalidPolicyConfig("selection.parameters.floor", weight, "a number >= 0")


def a_policy_test(event: Event) -> None:
    pool = feasible_pool(event, 200, seed=1, distributions={"role": {"prison": 2.0}})
    assert_type(pool, list[Registration])
    assert_reproducible("lottery", event, pool)


def small_groups(path: str) -> dict[str, tuple[str, ...]]:
    """Groups from selected registrations, written and read back as the groups CSV."""
    from ran_events import groups

    pool = synthetic_applicants(12, seed=2023)
    assignment = groups.assign_groups(pool, size=6, seed=1, facilitators=["Anna", "Bram"])
    assert_type(assignment, groups.GroupAssignment)
    assert_type(assignment.explain(1), str)
    assert_type(groups.reassign(assignment, withdrawn=[pool[0].id]).moved, tuple[str, ...])
    groups.write_assignments_csv(path, assignment.rows())
    found = groups.read_assignments_csv(path)
    assert_type(found.rows, tuple[groups.AssignmentRow, ...])
    return found.rooms()


def experiment_as_data(path: str) -> float:
    from ran_events.selection import (
        Comparison,
        Estimate,
        GroupSummary,
        ProbabilityRow,
        compare,
        load_policies,
    )

    found = compare(
        webinar(),
        synthetic_applicants(50, seed=1),
        ["lottery", ("by experience", "score", {"weights": {"experience": 1}})],
        runs=10,
        seed=1,
    )
    assert_type(found, Comparison)
    lottery = found.report("lottery")
    assert_type(lottery.estimates["a00001"], Estimate)
    for registration_id, estimate in lottery.estimates.items():
        assert_type(registration_id, str)
        assert_type(estimate, Estimate)
    rows = found.rows()
    assert_type(rows, list[ProbabilityRow])
    groups = found.by("role")
    assert_type(groups, list[GroupSummary])
    found.to_csv(path)
    configured = load_policies("policies.toml")
    again = compare(webinar(), synthetic_applicants(50, seed=1), configured, runs=2, seed=1)
    return again[0].minimum + groups[0].mean


def keep_an_event_in_a_store(path: str) -> list[str]:
    """A service keeps its book in a store; every store is a Store, every book's backend a
    BookBackend, whatever keeps it."""
    embedded: Store = SqliteStore(path)  # the class satisfies the protocol
    embedded.close()
    with open_store(path) as store:
        assert_type(store, Store)
        book = store.book(webinar(), on_duplicate="replace")
        assert_type(book.backend, intake.BookBackend)
        assert_type(store.backend("ran-mh-pcve-2023"), intake.BookBackend)
        at = dt.datetime(2023, 9, 8, tzinfo=dt.UTC)
        offers = store.offers("ran-mh-pcve-2023", open_at=at)
        assert_type(offers, list[Offer])
        return store.integrity()


def the_first_of_the_waiting_list(event: Event, pool: list[Registration]) -> list[str]:
    """A selection's decisions: a table indexed, sliced and read like a tuple."""
    result = select(event, pool, now=tz.localize(dt.datetime(2023, 9, 7, 10), "UTC"))
    assert_type(result.decisions, DecisionTable)
    assert_type(result.decisions[0], Decision)
    assert_type(result.decisions[1:3], DecisionTable)
    assert_type(result.waitlist, DecisionTable)
    return [d.registration_id for d in result.waitlist[:10]]
