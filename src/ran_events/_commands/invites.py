"""``ran-events invites EVENT DECISIONS --out DIR``: one invite per selected person and session."""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from .. import ics, imip
from ..errors import InvalidValue
from ..groups import read_assignments_csv
from ..ics import Attendee, filename_part
from ..selection import read_decisions_csv
from ._base import (
    CommandError,
    Console,
    DemoState,
    InputError,
    UsageError,
    add_force_option,
    add_now_option,
    check_folder,
    check_outputs,
    load_event,
    now_of,
    write_atomic,
)
from ._queue import RowDecision, run_stored
from ._stored import DB_ENV, add_db_option, db_of

if TYPE_CHECKING:
    from ..imip import Decision as DecisionLike
    from ..models import Event, Registration
    from ..selection import DecisionRow

DECISION_EMAILS_IN_DEMO: Final = 3
"""How many waitlisted and how many rejected applicants the demo writes the e-mail of."""


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "invites",
        help="write one calendar invite per selected registrant and session",
        description=(
            "Read DECISIONS (CSV: registration_id, email, name, outcome, rank, reason) and "
            "write, for every selected registrant and every session, a REQUEST .ics naming "
            "only that person (with --cancel: a CANCEL instead); with --eml also the e-mail "
            "(RFC 6047), and for every waitlisted or rejected registrant a plain decision "
            "e-mail without calendar. Files are written atomically and readable by their "
            "owner only (they hold personal data); bad rows are reported as "
            "FILE:LINE: FIELD: MESSAGE and the others are still written (exit status 1). "
            "Every file name is checked before any is written: existing files are refused "
            "unless --force. With --db STORE instead of DECISIONS and --out: queue, in the "
            "store's message log, the invites of everyone holding a place and a decision "
            "e-mail for everyone waitlisted or rejected (rooms from --groups or from the "
            "store's group and workshop assignments); a rerun queues only what the log lacks."
        ),
    )
    parser.add_argument(
        "event", type=Path, metavar="EVENT", help="the event file (with --db: or its id)"
    )
    parser.add_argument(
        "decisions", type=Path, nargs="?", metavar="DECISIONS", help="the decisions CSV"
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (required with DECISIONS)"
    )
    add_db_option(
        parser,
        "instead of DECISIONS and --out: queue the invites and decision e-mails of the "
        "people the store's selection decided in its message log (for ran-events send)",
    )
    parser.add_argument(
        "--eml",
        action="store_true",
        help="also write each invite as e-mail, and a decision e-mail to everyone not selected",
    )
    parser.add_argument(
        "--cancel", action="store_true", help="write CANCEL objects (withdrawn attendees)"
    )
    parser.add_argument(
        "--groups",
        type=Path,
        metavar="GROUPS.csv",
        help="a groups or workshops CSV (registration_id, group, session_id, reason): each "
        "person gets the sessions everyone attends plus only their own parallel sessions "
        "(their group's room, their workshops), each with its own link",
    )
    add_now_option(parser, "the time stamp of the invites (DTSTAMP)")
    add_force_option(parser)
    parser.set_defaults(run=run)


@attrs.frozen(kw_only=True)
class DecisionsRead:
    """The valid rows of a decisions file by outcome, and a problem for every other row."""

    selected: list[Attendee]
    not_selected: list[tuple[Attendee, RowDecision]]
    problems: list[InputError]


def read_decisions(path: Path) -> DecisionsRead:
    """Read a decisions CSV: the recipients and decisions of its valid rows, every problem.

    Raises:
        InputError: the file cannot be read.
    """
    try:
        found = read_decisions_csv(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    problems = [
        InputError(
            str(path),
            p.reason if p.value is None else f"{p.value!r}: {p.reason}",
            line=row.line,
            field=p.field,
        )
        for row in found.rejected
        for p in row.problems
    ]
    read = DecisionsRead(selected=[], not_selected=[], problems=problems)
    for row in found.rows:
        try:
            who = Attendee(registration_id=row.registration_id, name=row.name, email=row.email)
        except InvalidValue as exc:
            message = str(exc).removeprefix(f"{exc.field}: ")
            problems.append(InputError(str(path), message, line=row.line, field=exc.field))
            continue
        if row.outcome == "selected":
            read.selected.append(who)
        else:
            read.not_selected.append((who, _decision_of(row)))
    problems.sort(key=lambda p: p.line or 0)
    return read


def _decision_of(row: DecisionRow) -> RowDecision:
    return RowDecision(
        registration_id=row.registration_id, outcome=row.outcome.value, sentence=row.reason
    )


def run(args: argparse.Namespace, console: Console) -> int:
    now = now_of(args)
    location = _location(args)
    if location is not None:
        return run_stored(
            args,
            location,
            console,
            now=now,
            read_rooms=lambda: (
                (None, 0) if args.groups is None else read_rooms(args.groups, console)
            ),
        )
    out = Path(args.out)
    check_folder(out, "--out")
    event = load_event(args.event)
    read = read_decisions(args.decisions)
    rooms, bad_rows = (None, 0) if args.groups is None else read_rooms(args.groups, console)
    if rooms is None and event.parallel_sessions:
        console.err(
            f"{args.event}: warning: sessions {', '.join(sorted(event.parallel_sessions))} "
            "run in parallel and everyone gets all of them; give --groups GROUPS.csv "
            "(ran-events groups or workshops) so each person gets only their own"
        )
    files = Files()
    written, failures = plan_invites(
        event, read.selected, out, files, eml=args.eml, cancel=args.cancel, now=now, rooms=rooms
    )
    emails = 0
    if args.eml:
        emails = plan_decision_emails(event, read.not_selected, out, files, now=now)
    check_outputs(files.data, force=args.force, option="--out")
    files.write()
    for problem in read.problems:
        console.err(str(problem))
    for registration_id, reason in failures:
        console.err(f"{args.decisions}: registration {registration_id}: {reason}")
    kind = "cancellation" if args.cancel else "invite"
    decided = f"{emails} decision e-mail(s) to the not selected, " if args.eml else ""
    console.out(
        f"{written} {kind}(s) for {len(read.selected) - len(failures)} registrant(s) and "
        f"{len(event.sessions)} session(s) written to {out}/; {decided}"
        f"{len(read.problems) + len(failures)} problem(s)"
    )
    return 1 if read.problems or failures or bad_rows else 0


def _location(args: argparse.Namespace) -> str | None:
    """The store of the store form, or ``None`` for the file form.

    Raises:
        UsageError: both or neither of DECISIONS and ``--db`` given, or DECISIONS without
            ``--out``.
    """
    if args.decisions is not None:
        if args.db is not None:
            raise UsageError("give DECISIONS and --out, or --db, not both")
        if args.out is None:
            raise UsageError("--out DIR is required with DECISIONS")
        return None  # the file form, whatever $RAN_EVENTS_DB says
    location = db_of(args)
    if location is None:
        raise UsageError(f"give DECISIONS and --out DIR, or --db PATH_OR_URL (or set ${DB_ENV})")
    return location


@attrs.define
class Files:
    """The files of a batch, by path, gathered before any is written."""

    data: dict[Path, bytes] = attrs.field(factory=dict)

    def add(self, path: Path, data: bytes) -> None:
        """Add a file.

        Raises:
            CommandError: another file of the batch has this name (never overwritten).
        """
        if path in self.data:
            raise CommandError(f"{path}: two files of this batch would have this name")
        self.data[path] = data

    def write(self) -> None:
        """Write every file atomically, readable by its owner only (personal data)."""
        for path, data in self.data.items():
            write_atomic(path, data)


def plan_invites(
    event: Event,
    attendees: list[Attendee],
    out: Path,
    files: Files,
    *,
    eml: bool = False,
    cancel: bool = False,
    now: datetime.datetime | None = None,
    rooms: ics.Rooms | None = None,
) -> tuple[int, list[tuple[str, str]]]:
    """Add each object (and e-mail) to ``files``; return the count and the failures.

    With ``rooms`` (:func:`read_rooms`), each person gets only their own parallel sessions.
    """
    by_id = {a.registration_id: a for a in attendees}
    written = 0
    failures: list[tuple[str, str]] = []
    for item in ics.invites_for(
        event, attendees, method="CANCEL" if cancel else "REQUEST", now=now, rooms=rooms
    ):
        if isinstance(item, ics.InviteFailure):
            failures.append((item.registration_id, item.reason))
            continue
        files.add(out / item.filename, item.data)
        written += 1
        if eml and item.registration_id is not None:
            who = by_id[item.registration_id]
            make = imip.cancellation_email if cancel else imip.invitation_email
            message = make(event, who, item)
            eml_name = item.filename.removesuffix(".ics") + ".eml"
            files.add(out / eml_name, message.as_bytes())
    return written, failures


def read_rooms(path: Path, console: Console) -> tuple[dict[str, tuple[str, ...]], int]:
    """Read a groups or workshops CSV: the rooms of each registration and how many rows were
    bad (each printed as ``FILE:LINE: FIELD: REASON``).

    Raises:
        InputError: the file cannot be read.
    """
    try:
        found = read_assignments_csv(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    for row in found.rejected:
        console.err(row.format(str(path)))
    return found.rooms(), len(found.rejected)


def decision_filename(registration_id: str) -> str:
    """The file name of a registration's decision e-mail: ``<registration>-decision.eml``.

    The registration part is :func:`ran_events.ics.filename_part` (unique per id).
    """
    return filename_part(registration_id) + "-decision.eml"


def plan_decision_emails(
    event: Event,
    decided: Sequence[tuple[Registration | Attendee, DecisionLike]],
    out: Path,
    files: Files,
    *,
    now: datetime.datetime,
) -> int:
    """Add the decision e-mail (no calendar part) of each waitlisted or rejected recipient.

    ``now`` is the ``Date`` of the e-mails.
    """
    for who, decision in decided:
        message = imip.decision_email(event, who, decision, now=now)
        files.add(out / decision_filename(decision.registration_id), message.as_bytes())
    return len(decided)


def demo(state: DemoState, console: Console) -> None:
    """Write the invites of the applicants the selection step selected, and a few decisions."""
    console.out("")
    console.out("== Invites ==")
    result = state.results.get("selection")
    registrations = state.registrations if result is None else result.registrations
    selected = [
        Attendee.of(r, state.event)
        for r in registrations
        if r.status.value in ("selected", "confirmed")
    ]
    out = state.out_dir / "invites"
    now = state.event.registration.closes  # the demo's output is the same on every run
    files = Files()
    written, failures = plan_invites(state.event, selected, out, files, eml=True, now=now)
    console.out(f"  {written} invite(s) with e-mails for {len(selected)} selected in {out}/")
    for registration_id, reason in failures:
        console.out(f"  not invited: {registration_id}: {reason}")
    if result is None:
        files.write()
        return
    counts = []
    for group, label in ((result.waitlist, "waitlisted"), (result.rejected, "rejected")):
        few = group[:DECISION_EMAILS_IN_DEMO]
        decided = [(result.registration(d.registration_id), d) for d in few]
        counts.append(
            f"{plan_decision_emails(state.event, decided, out, files, now=now)}"
            f" of {len(group)} {label}"
        )
    files.write()
    console.out(f"  decision e-mails (no calendar) for {' and '.join(counts)} in {out}/")
