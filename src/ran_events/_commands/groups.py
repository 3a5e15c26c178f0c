"""``ran-events groups EVENT DECISIONS --applications APPS --size 6 --out groups.csv``, or
``ran-events groups EVENT --db STORE --size 6`` (the selected read from and the groups kept
in the store)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..groups import GroupAssignment, assign_groups, assignments_csv_text
from ..selection import read_decisions_csv
from ._assigned import (
    add_store_options,
    assigned_event,
    keep_assignment,
    location_of,
    stored_participants,
)
from ._base import (
    CommandError,
    Console,
    DemoState,
    InputError,
    UsageError,
    add_force_option,
    check_outputs,
    load_event,
    now_of,
    write_atomic,
)
from ._stored import opened
from .applications import take_in

if TYPE_CHECKING:
    from ..models import Event, Registration

DEMO_GROUP_SIZE: Final = 6
"""The demo splits the webinar's selected participants into groups of this size."""


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "groups",
        help="split the selected participants into balanced small groups",
        description=(
            "Read EVENT, DECISIONS (the selected rows) and --applications (the same "
            "applications the selection read: the decisions file has no role, country or "
            "organisation), split the selected into groups of at most --size (or into "
            "--groups groups) that mix the --balance attributes, keep people sharing an "
            "--apart value in different groups, and are as diverse as those rules allow; "
            "write OUT (CSV: registration_id, group, session_id, reason) atomically and "
            "print each group's composition and every rule that had to be relaxed. A "
            "selected registration missing from the applications is reported as "
            "FILE:LINE: FIELD: MESSAGE (exit status 1). With --db (instead of DECISIONS and "
            "--applications) the selected are the store's selected or confirmed "
            "registrations of EVENT (its file or its id), the assignment is stored there as "
            "a new version (the same assignment again is not a new one), and --out is "
            "written only when given."
        ),
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="the event file")
    parser.add_argument(
        "decisions", type=Path, nargs="?", metavar="DECISIONS",
        help="the decisions CSV (leave out with --db)",
    )  # fmt: skip
    parser.add_argument(
        "--applications", type=Path, metavar="APPLICATIONS",
        help="the applications file (CSV, or JSON lines if the name ends in .jsonl); "
        "needed with DECISIONS",
    )  # fmt: skip
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--size", type=int, metavar="N", help="the largest group size")
    how.add_argument("--groups", type=int, metavar="K", help="the number of groups")
    parser.add_argument(
        "--balance", type=_names, default=("role", "country"), metavar="A,B",
        help="attributes each group mixes in proportion (default: role,country)",
    )  # fmt: skip
    parser.add_argument(
        "--apart", type=_names, default=("organisation",), metavar="A,B",
        help="attributes whose shared values go to different groups (default: organisation)",
    )  # fmt: skip
    parser.add_argument(
        "--facilitators", type=Path, metavar="FILE",
        help="a UTF-8 text file, one facilitator's name per line (blank lines and lines "
        "starting with # are skipped): one per group",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, metavar="N",
        help="the seed of the groups' tickets (default: the event's selection seed)",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, metavar="GROUPS.csv", help="output (needed without --db)"
    )
    add_store_options(parser, "groups")
    add_force_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    location = location_of(args, out=args.out)
    check_outputs([p for p in (args.out,) if p is not None], force=args.force)
    if location is None:
        if args.applications is None:
            raise UsageError("--applications: needed with DECISIONS (the selected's details)")
        event = load_event(args.event)
        _place(
            args, event, selected_registrations(args.decisions, args.applications, event), console
        )
        return 0
    now = now_of(args)
    with opened(location) as store:
        event = assigned_event(store, args.event, now=now)
        assignment = _place(args, event, stored_participants(store, event, location), console)
        keep_assignment(store, event, "groups", assignment.rows(), now, args.by, location, console)
    return 0


def _place(
    args: argparse.Namespace, event: Event, participants: list[Registration], console: Console
) -> GroupAssignment:
    """Assign, print the groups, write ``--out`` when given."""
    seed = args.seed if args.seed is not None else event.selection.seed
    if seed is None:
        raise UsageError(f"{args.event}: the event has no selection seed; give --seed N")
    facilitators = read_facilitators(args.facilitators) if args.facilitators else ()
    assignment = assign_groups(
        participants,
        size=args.size,
        groups=args.groups,
        balance=args.balance,
        apart=args.apart,
        facilitators=facilitators,
        seed=seed,
        event=event,
    )
    print_groups(assignment, console)
    if args.out is not None:
        write_atomic(args.out, assignments_csv_text(assignment.rows()))
        console.out(f"wrote {len(participants)} placements to {args.out}")
    return assignment


def selected_registrations(
    decisions: Path, applications: Path, event: Event
) -> list[Registration]:
    """The registrations of the rows of ``decisions`` that are selected.

    Raises:
        InputError: a file cannot be read, a row of ``decisions`` is invalid, or a selected
            registration is not among the applications taken in (each named by line).
    """
    try:
        found = read_decisions_csv(decisions)
    except OSError as exc:
        raise InputError(str(decisions), f"cannot read: {exc.strerror or exc}") from None
    problems = [
        InputError(str(decisions), p.reason, line=row.line, field=p.field)
        for row in found.rejected
        for p in row.problems
    ]
    taken = {r.id: r for r in take_in(applications, event).accepted}
    chosen = []
    for row in found.rows:
        if row.outcome.value != "selected":
            continue
        if row.registration_id not in taken:
            problems.append(
                InputError(
                    str(decisions),
                    f"{row.registration_id!r} is not among the applications taken in from "
                    f"{applications}",
                    line=row.line,
                    field="registration_id",
                )
            )
            continue
        chosen.append(taken[row.registration_id])
    if problems:
        raise CommandError("\n".join(str(p) for p in problems))
    if not chosen:
        raise InputError(str(decisions), "no selected registration to place in a group")
    return chosen


def read_facilitators(path: Path) -> tuple[str, ...]:
    """The names in a facilitators file: one per line, blank and ``#`` lines skipped.

    Raises:
        InputError: the file cannot be read as UTF-8.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read the facilitators: {exc}") from None
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def print_groups(assignment: GroupAssignment, console: Console) -> None:
    """A table of the groups: number, session, size, facilitator, composition."""
    console.out(f"  {'group':>5} {'session':<12} {'size':>4}  composition")
    for group in assignment.groups:
        text = assignment.explain(group).partition(": ")[2]
        console.out(f"  {group.number:>5} {group.session_id or '-':<12} {len(group):>4}  {text}")
    console.out(f"  diversity {assignment.diversity}")
    for relaxation in assignment.relaxed:
        console.out(f"  relaxed: {relaxation.rule} {relaxation.attribute}: {relaxation.reason}")


def demo(state: DemoState, console: Console) -> None:
    """The selected participants of the demo's selection in groups of six."""
    console.out("")
    console.out("== Small groups ==")
    result = state.results["selection"]
    ids = {d.registration_id for d in result.selected}
    participants = [r for r in result.registrations if r.id in ids]
    seed = state.event.selection.seed if state.event.selection.seed is not None else state.seed
    assignment = assign_groups(participants, size=DEMO_GROUP_SIZE, seed=seed, event=state.event)
    print_groups(assignment, console)
    path = state.out_dir / "groups.csv"
    write_atomic(path, assignments_csv_text(assignment.rows()))
    console.out(f"  wrote {path}")
