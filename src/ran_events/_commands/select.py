"""``ran-events select EVENT APPLICATIONS``: select participants and write the decisions.

``ran-events select EVENT --db STORE`` selects among the registrations a store holds (those
not decided yet), keeps the selection record in the store and every decision as a status
change of its registration.
"""

from __future__ import annotations

import argparse
import datetime
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from ..errors import (
    ConcurrentChange,
    IllegalTransition,
    InfeasibleSelection,
    InvalidPolicyConfig,
    UnknownPolicy,
)
from ..models import Registration, RegistrationStatus, seed_commitment
from ..selection import FairDraw, decisions_csv_text, record_text, select, write_record
from ._base import (
    CommandError,
    Console,
    DemoState,
    UsageError,
    add_force_option,
    add_now_option,
    check_outputs,
    load_event,
    now_of,
    write_atomic,
)
from ._stored import DB_ENV, add_db_option, db_of, opened, shown_location
from .applications import report_rejects, take_in

if TYPE_CHECKING:
    from ..models import Event
    from ..selection import Decision, SelectionResult
    from ..store import Store

DECIDED_BY: Final = "ran-events select"
"""Who made the status changes a selection stores (``by`` in their history)."""

EXPLAINED_IN_DEMO: Final = 3
"""How many decisions of each outcome the demo explains."""


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "select",
        help="select participants from an applications file",
        description=(
            "Read EVENT and APPLICATIONS (CSV, or JSON lines if the name ends in .jsonl), "
            "select by the event's [selection] rules (policy, seed, quotas, caps, "
            "parameters), print the counts per outcome and per constrained value against its "
            "bounds, and write one decision per registration. Rows of APPLICATIONS that "
            "cannot be taken in are listed on stderr as FILE:LINE: FIELD: REASON; then the "
            "exit status is 1 and nothing is selected, unless --allow-rejects. With --db "
            "instead of APPLICATIONS: select among the registrations the store holds that "
            "are not decided yet, and keep the record and every decision (as a status "
            "change) in the store."
        ),
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="the event file")
    parser.add_argument(
        "applications",
        type=Path,
        metavar="APPLICATIONS",
        nargs="?",
        help="the applications CSV (leave out with --db)",
    )
    add_db_option(parser, "select from, and store the decisions in, this store")
    parser.add_argument("--policy", metavar="NAME", help="the policy (default: the event's)")
    parser.add_argument(
        "--seed", type=int, metavar="N",
        help="the seed, revealed now (default: the event's); it must match the event's "
        "selection.seed_sha256 when the event publishes one",
    )  # fmt: skip
    parser.add_argument(
        "--before-deadline", action="store_true",
        help="select with a seed although registration is still open (default: refuse, as "
        "a seed known before the deadline lets applicants pick addresses that win)",
    )  # fmt: skip
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DECISIONS.csv",
        help="where to write the decisions (default: print no file)",
    )
    parser.add_argument(
        "--record",
        type=Path,
        metavar="RECORD.json",
        help="also write the selection's record (policy, seed, rules, SHA-256 of the input, "
        "library version), from which ran_events.selection.replay reproduces every decision",
    )
    parser.add_argument(
        "--explain", action="store_true", help="print every decision with its reasons"
    )
    parser.add_argument(
        "--allow-rejects",
        action="store_true",
        help="select among the rows taken in even if some were rejected (they are still "
        "listed, and get no decision)",
    )
    add_now_option(parser, "the time of the decisions (the deadline is judged against it)")
    add_time_limit_option(parser)
    add_force_option(parser)
    parser.set_defaults(run=run)


def add_time_limit_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--time-limit SECONDS`` (the fair lottery's ``time_limit`` parameter)."""
    parser.add_argument(
        "--time-limit", type=float, metavar="SECONDS",
        help="the fair-lottery's time limit: LEXIMIN starts no new level after this many "
        "seconds, and the output says when it stopped (default: the event's "
        "selection.parameters.time_limit, else none)",
    )  # fmt: skip


def time_limit_of(seconds: float | None) -> float | None:
    """``--time-limit`` checked: ``None`` or a finite number of seconds > 0.

    Raises:
        UsageError: zero, negative, infinite or not a number.
    """
    if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
        raise UsageError(f"--time-limit: {seconds} is not a number of seconds > 0 (e.g. 60)")
    return seconds


def run(args: argparse.Namespace, console: Console) -> int:
    now = now_of(args)
    location = _location(args)
    outputs = [p for p in (args.out, args.record) if p is not None]
    check_outputs(outputs, force=args.force)
    loaded = load_event(args.event)
    event = with_overrides(loaded, policy=args.policy, seed=None)
    limit = time_limit_of(args.time_limit)
    if limit is not None:
        if event.selection.policy != "fair-lottery":
            raise UsageError(
                f"--time-limit: only the fair-lottery policy takes a time limit (the policy "
                f"is {event.selection.policy!r})"
            )
        rules = event.selection
        parameters = {**rules.parameters, "time_limit": limit}
        event = attrs.evolve(event, selection=attrs.evolve(rules, parameters=parameters))
    check_seed(event, args.seed, now, source=args.event, before_deadline=args.before_deadline)
    if location is not None:
        with opened(location) as store:
            store.put_event(loaded, at=now, source=str(args.event))
            result = _select(
                event,
                _undecided(store, event, location),
                now=now,
                seed=args.seed,
                source=args.event,
            )
            _report(args, result, console)
            _store(
                store, event, result, now=now, location=shown_location(location), console=console
            )
        return 0
    report = take_in(args.applications, event)
    if report_rejects(
        report, args.applications, console, command="select", allow=args.allow_rejects
    ):
        return 1
    rejected_rows = len(report.rejected)
    result = _select(event, report.accepted, now=now, seed=args.seed, source=args.event)
    _report(args, result, console)
    if rejected_rows:
        console.err(
            f"{args.applications}: {rejected_rows} row(s) not taken in (listed above); "
            "they have no decision"
        )
    return 0


def _location(args: argparse.Namespace) -> str | None:
    """The store to select from, or ``None`` to select from APPLICATIONS.

    Raises:
        UsageError: both or neither of APPLICATIONS and ``--db`` given.
    """
    if args.applications is not None:
        if args.db is not None:
            raise UsageError("give APPLICATIONS or --db, not both")
        return None  # the file form, whatever $RAN_EVENTS_DB says
    location = db_of(args)
    if location is None:
        raise UsageError(f"give APPLICATIONS, or --db PATH_OR_URL (or set ${DB_ENV})")
    return location


def _select(
    event: Event,
    registrations: Sequence[Registration],
    *,
    now: datetime.datetime,
    seed: int | None,
    source: Path,
) -> SelectionResult:
    try:
        return select(event, registrations, now=now, seed=seed)
    except (UnknownPolicy, InvalidPolicyConfig, InfeasibleSelection) as exc:
        raise CommandError(f"{source}: selection: {exc}") from None


def _undecided(store: Store, event: Event, location: str) -> list[Registration]:
    """The registrations of ``event`` in the store that no selection decided yet.

    Raises:
        CommandError: there are none (the message says how many are decided already).
    """
    held = list(store.backend(event.id))
    undecided = [r for r in held if r.status is RegistrationStatus.SUBMITTED]
    if not undecided:
        decided = f"all {len(held)} registration(s) are decided already" if held else "none"
        raise CommandError(
            f"{shown_location(location)}: nothing to select for {event.id}: {decided}; "
            "see ran-events status"
        )
    return undecided


def _store(
    store: Store,
    event: Event,
    result: SelectionResult,
    *,
    now: datetime.datetime,
    location: str,
    console: Console,
) -> None:
    """Keep the record, then each decision as a status change (compare-and-set).

    Raises:
        CommandError: a registration changed while selecting (withdrawn meanwhile, or changed
            between reading and writing it): its decision and those after it are not stored;
            the message says which.
    """
    record = result.record
    number = store.add_selection(
        event.id, record_text(record), at=now, seed=record.seed, policy=record.policy
    )
    book = store.book(event)
    for done, decision in enumerate(result.decisions):
        try:
            book.transition(
                decision.registration_id,
                decision.outcome.value,
                at=now,
                reason=decision.sentence,
                by=DECIDED_BY,
            )
        except (ConcurrentChange, IllegalTransition) as exc:
            raise CommandError(
                f"{location}: registration {decision.registration_id} changed while selecting "
                f"({exc}); {done} of {len(result.decisions)} decisions of selection #{number} "
                "were stored, the rest not"
            ) from None
    console.out(f"stored selection #{number} and {len(result.decisions)} decisions in {location}")


def _report(args: argparse.Namespace, result: SelectionResult, console: Console) -> None:
    """Print the summary (and the decisions with --explain); write --out and --record."""
    print_summary(result, console)
    if args.explain:
        console.out("")
        console.out("Decisions:")
        for decision in result.decisions:
            console.out(f"  {decision.registration_id}  {decision.sentence}")
    if args.out is not None:
        write_atomic(args.out, decisions_csv_text(result))
        console.out(f"wrote {len(result.decisions)} decisions to {args.out}")
    if args.record is not None:
        write_record(result.record, args.record)  # private: ids of a fair lottery
        console.out(f"wrote the selection record to {args.record}")


def check_seed(
    event: Event,
    seed: int | None,
    now: datetime.datetime,
    *,
    source: Path,
    before_deadline: bool = False,
) -> None:
    """Refuse a seed that does not match the event's commitment, or is used too early.

    Args:
        event: the event (its ``selection`` rules and registration deadline).
        seed: the seed given (``--seed``), or ``None`` for the event's own.
        now: the time of the selection (``--now``).
        source: the event file, named in messages.
        before_deadline: a seed may be used while registration is open.

    Raises:
        CommandError: ``seed`` does not match ``selection.seed_sha256`` (both are named); the
            event commits to a seed and none is given; or a seed would be used before the
            registration deadline (judged against ``--now``) without ``--before-deadline``.
    """
    rules = event.selection
    commitment = rules.seed_sha256
    if seed is not None and commitment is not None and seed_commitment(seed) != commitment:
        raise CommandError(
            f"{source}: selection.seed_sha256: --seed {seed} is not the committed seed: "
            f"its SHA-256 is {seed_commitment(seed)}, the event commits to {commitment}"
        )
    used = seed if seed is not None else rules.seed
    if used is None and commitment is not None:
        raise CommandError(
            f"{source}: selection.seed_sha256: the event commits to a seed; reveal it "
            "with --seed N"
        )
    closes = event.registration.closes
    if used is not None and now < closes and not before_deadline:
        raise CommandError(
            f"{source}: registration.deadline: registration is open until "
            f"{closes.isoformat()} (now {now.isoformat()}); a seed used before then lets "
            "applicants try addresses until one wins. Select after the deadline, or give "
            "--before-deadline"
        )


def with_overrides(event: Event, *, policy: str | None, seed: int | None) -> Event:
    """The event with its selection policy and seed replaced where given."""
    rules = event.selection
    if policy is not None:
        rules = attrs.evolve(rules, policy=policy)
    if seed is not None:
        rules = attrs.evolve(rules, seed=seed)
    return attrs.evolve(event, selection=rules)


def print_summary(result: SelectionResult, console: Console) -> None:
    """Counts per outcome, then each constraint against its bounds."""
    record = result.record
    seed = "" if record.seed is None else f", seed {record.seed}"
    console.out(
        f"Selection for {record.event_id}: policy {record.policy}{seed}, "
        f"decided at {record.decided_at.isoformat()}"
    )
    counts = result.counts()
    console.out("  " + ", ".join(f"{outcome.value} {n}" for outcome, n in counts.items()))
    draw = getattr(record, "draw", None)
    if isinstance(draw, FairDraw) and draw.stopped:
        console.out(
            f"  fair lottery: {draw.objective}: the smallest probabilities are those of the "
            "levels reached; the others are not LEXIMIN-optimal"
        )
    console.out("")
    console.out(f"  {'constraint':<32} {'bounds':>8} {'selected':>8} {'eligible':>8}")
    for report in result.constraints:
        mark = "" if report.satisfied else "  NOT MET"
        most = f"  (most: {report.value})" if report.kind == "cap" and report.value else ""
        console.out(
            f"  {report.label[:32]:<32} {report.bounds:>8} {report.achieved:>8} "
            f"{report.available:>8}{mark}{most}"
        )


def _varied(decisions: Sequence[Decision]) -> list[Decision]:
    """Decisions with different reason codes first, then the rest, each group in order."""
    seen: set[tuple[str, ...]] = set()
    first: list[Decision] = []
    rest: list[Decision] = []
    for decision in decisions:
        codes = decision.codes
        (rest if codes in seen else first).append(decision)
        seen.add(codes)
    return first + rest


def demo(state: DemoState, console: Console) -> None:
    """The lottery with quotas on the applicants of the previous step."""
    console.out("")
    console.out("== Selection ==")
    registrations = state.pool()
    result = select(state.event, registrations, now=state.event.registration.closes)
    state.results["selection"] = result
    print_summary(result, console)
    console.out("")
    console.out("  Some decisions explained:")
    for group in (result.selected, result.waitlist, result.rejected):
        for decision in _varied(group)[:EXPLAINED_IN_DEMO]:
            console.out(f"    {decision.registration_id}  {decision.sentence}")
    path = state.out_dir / "decisions.csv"
    write_atomic(path, decisions_csv_text(result))
    console.out(f"  wrote {path}")
