"""``ran-events workshops EVENT DECISIONS --out workshops.csv`` (or ``EVENT --db STORE``):
place the selected in the parallel workshops they ranked."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import WorkshopCapacityError
from ..groups import assign_workshops, choice_summary, write_assignments_csv
from . import _assigned
from ._base import (
    CommandError,
    Console,
    UsageError,
    add_force_option,
    check_outputs,
    load_event,
    now_of,
)
from ._stored import opened
from .applications import take_in
from .invites import read_decisions

if TYPE_CHECKING:
    from ..groups import WorkshopAssignment
    from ..models import Event, Registration


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "workshops",
        help="place the selected in the parallel workshops they ranked",
        description=(
            "Read DECISIONS (the decisions CSV) and place every selected registrant in one "
            "session of each choice slot of EVENT (the parallel sessions marked "
            "choice = true), within each session's capacity, giving as many people as "
            "possible a choice they ranked high (exact; ties go to the better ticket of a "
            "lottery drawn from the seed). The rankings are the answers to the form's "
            "ranking question in APPLICATIONS; without it, or for someone without an "
            "answer, every session is equally good. Writes --out as a groups CSV "
            "(registration_id, group, session_id, reason; group = the slot) for "
            "ran-events invites --groups, and prints how many got their 1st, 2nd... choice. "
            "With --db (instead of DECISIONS and APPLICATIONS) the selected, and their "
            "rankings, are the store's selected or confirmed registrations of EVENT (its "
            "file or its id), the placement is stored there as a new version (the same "
            "placement again is not a new one), and --out is written only when given."
        ),
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="the event file")
    parser.add_argument(
        "decisions", type=Path, nargs="?", metavar="DECISIONS",
        help="the decisions CSV (leave out with --db)",
    )  # fmt: skip
    parser.add_argument(
        "--applications",
        type=Path,
        metavar="APPLICATIONS",
        help="the applications (CSV, or JSON lines by its .jsonl suffix) with the rankings",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="the seed of the tie-break lottery (default: selection.seed of EVENT)",
    )
    parser.add_argument(
        "--out", type=Path, metavar="WORKSHOPS.csv", help="where to write (needed without --db)"
    )
    _assigned.add_store_options(parser, "workshops")
    add_force_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    location = _assigned.location_of(args, out=args.out)
    check_outputs([p for p in (args.out,) if p is not None], force=args.force, option="--out")
    if location is None:
        return _from_files(args, console)
    now = now_of(args)
    with opened(location) as store:
        event = _assigned.assigned_event(store, args.event, now=now)
        seed = _seed(args, event)
        people: list[Registration | str] = [*_assigned.stored_participants(store, event, location)]
        result = _place(args, event, people, seed, console)
        rows = result.rows()
        _assigned.keep_assignment(store, event, "workshops", rows, now, args.by, location, console)
    return 0


def _seed(args: argparse.Namespace, event: Event) -> int:
    """The lottery's seed: ``--seed``, else the event's.

    Raises:
        CommandError: the event has no choice sessions.
        UsageError: neither gives a seed.
    """
    if not event.choice_slots:
        raise CommandError(
            f"{args.event}: sessions: no choice sessions to place people in; mark the "
            "parallel workshops 'choice = true'"
        )
    seed = event.selection.seed if args.seed is None else args.seed
    if seed is None:
        raise UsageError(
            f"--seed: needed, as {args.event} has no selection.seed (it draws the lottery "
            "that breaks ties between equally good placements)"
        )
    return seed


def _from_files(args: argparse.Namespace, console: Console) -> int:
    """The file form: DECISIONS (and APPLICATIONS) in, ``--out`` written."""
    event = load_event(args.event)
    seed = _seed(args, event)
    read = read_decisions(args.decisions)
    for problem in read.problems:
        console.err(str(problem))
    people: list[Registration | str] = [a.registration_id for a in read.selected]
    if args.applications is not None:
        people = _with_answers(people, args.applications, event, console)
    _place(args, event, people, seed, console)
    return 1 if read.problems else 0


def _place(
    args: argparse.Namespace,
    event: Event,
    people: list[Registration | str],
    seed: int,
    console: Console,
) -> WorkshopAssignment:
    """Place ``people``, write ``--out`` when given, print the choices met."""
    try:
        result = assign_workshops(people, event, seed=seed)
    except WorkshopCapacityError as exc:
        raise CommandError(f"{args.event}: sessions: {exc}") from None
    if args.out is not None:
        write_assignments_csv(args.out, result.rows())
    print_placement(result, event, console)
    if args.out is not None:
        console.out(f"wrote {len(result.placements)} placement(s) to {args.out}")
    return result


def _with_answers(
    people: list[Registration | str], path: Path, event: Event, console: Console
) -> list[Registration | str]:
    """The selected as their applications (with their rankings), where one is found."""
    report = take_in(path, event)
    for row in report.rejected:
        console.err(row.format(str(path)))
    by_id = {r.id: r for r in report.accepted}
    missing = [p for p in people if p not in by_id]
    if missing:
        console.err(
            f"{path}: warning: no application for {len(missing)} selected registrant(s) "
            f"({', '.join(map(str, missing[:5]))}{', ...' if len(missing) > 5 else ''}); "
            "they rank nothing"
        )
    return [by_id.get(str(p), p) for p in people]


def print_placement(result: WorkshopAssignment, event: Event, console: Console) -> None:
    """Each slot's counts of 1st, 2nd... choices, then each session's places taken."""
    counts = result.session_counts()
    console.out(f"Workshops of {event.id} (total score {result.total_score}):")
    for slot in result.slots:
        start = event.local(slot.sessions[0].start)
        summary = choice_summary(result.choice_counts(slot.id))
        console.out(f"  {slot.id} ({start:%Y-%m-%d %H:%M}): {summary}")
        for session in slot.sessions:
            places = "no limit" if session.capacity is None else f"of {session.capacity}"
            console.out(f"    {session.id}: {counts[session.id]} {places}")
