"""``ran-events invites EVENT DECISIONS --out DIR``: one invite per selected person and session."""

from __future__ import annotations

import argparse
import csv
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..errors import InvalidValue
from ._base import Console, DemoState, InputError, load_event, write_atomic

if TYPE_CHECKING:
    from ..ics import Attendee
    from ..models import Event

COLUMNS: Final = ("registration_id", "email", "name", "outcome", "rank", "reason")
OUTCOMES: Final = ("selected", "waitlisted", "rejected")


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "invites",
        help="write one calendar invite per selected registrant and session",
        description=(
            "Read DECISIONS (CSV: registration_id, email, name, outcome, rank, reason) and "
            "write, for every selected registrant and every session, a REQUEST .ics naming "
            "only that person (with --cancel: a CANCEL instead); with --eml also the e-mail "
            "(RFC 6047). Files are written atomically; bad rows are reported as "
            "FILE:LINE: FIELD: MESSAGE and the others are still written (exit status 1)."
        ),
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="the event file")
    parser.add_argument("decisions", type=Path, metavar="DECISIONS", help="the decisions CSV")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument("--eml", action="store_true", help="also write each invite as e-mail")
    parser.add_argument(
        "--cancel", action="store_true", help="write CANCEL objects (withdrawn attendees)"
    )
    parser.set_defaults(run=run)


def read_selected(path: Path) -> tuple[list[Attendee], list[InputError]]:
    """The selected rows of a decisions CSV as attendees, and every bad row's problem."""
    from ..ics import Attendee  # noqa: PLC0415

    attendees: list[Attendee] = []
    problems: list[InputError] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise InputError(str(path), f"missing column(s) {missing}", line=1)
    for line, row in _rows(reader):
        outcome = (row.get("outcome") or "").strip()
        if outcome not in OUTCOMES:
            message = f"{outcome!r} is not one of {list(OUTCOMES)}"
            problems.append(InputError(str(path), message, line=line, field="outcome"))
            continue
        if outcome != "selected":
            continue
        try:
            attendees.append(
                Attendee(
                    registration_id=(row.get("registration_id") or "").strip(),
                    name=(row.get("name") or "").strip(),
                    email=(row.get("email") or "").strip(),
                )
            )
        except InvalidValue as exc:
            message = str(exc).removeprefix(f"{exc.field}: ")
            problems.append(InputError(str(path), message, line=line, field=exc.field))
    return attendees, problems


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    for row in reader:
        yield reader.line_num, row


def run(args: argparse.Namespace, console: Console) -> int:
    event = load_event(args.event)
    attendees, problems = read_selected(args.decisions)
    written, failures = write_invites(
        event, attendees, Path(args.out), eml=args.eml, cancel=args.cancel
    )
    for problem in problems:
        console.err(str(problem))
    for registration_id, reason in failures:
        console.err(f"{args.decisions}: registration {registration_id}: {reason}")
    kind = "cancellation" if args.cancel else "invite"
    console.out(
        f"{written} {kind}(s) for {len(attendees) - len(failures)} registrant(s) and "
        f"{len(event.sessions)} session(s) written to {args.out}/; "
        f"{len(problems) + len(failures)} problem(s)"
    )
    return 1 if problems or failures else 0


def write_invites(
    event: Event,
    attendees: list[Attendee],
    out: Path,
    *,
    eml: bool = False,
    cancel: bool = False,
    now: datetime.datetime | None = None,
) -> tuple[int, list[tuple[str, str]]]:
    """Write each object (and e-mail) atomically; return the count and the failures."""
    from .. import ics, imip  # noqa: PLC0415

    by_id = {a.registration_id: a for a in attendees}
    written = 0
    failures: list[tuple[str, str]] = []
    for item in ics.invites_for(
        event, attendees, method="CANCEL" if cancel else "REQUEST", now=now
    ):
        if isinstance(item, ics.InviteFailure):
            failures.append((item.registration_id, item.reason))
            continue
        write_atomic(out / item.filename, item.data)
        written += 1
        if eml and item.registration_id is not None:
            who = by_id[item.registration_id]
            make = imip.cancellation_email if cancel else imip.invitation_email
            message = make(event, who, item)
            write_atomic(out / item.filename.replace(".ics", ".eml"), message.as_bytes())
    return written, failures


def demo(state: DemoState, console: Console) -> None:
    """Write the invites of the applicants the selection step selected."""
    from ..ics import Attendee  # noqa: PLC0415

    console.out("")
    console.out("== Invites ==")
    result = state.results.get("selection")
    registrations = list(getattr(result, "registrations", ()) or state.registrations)
    selected = [
        Attendee.of(r, state.event)
        for r in registrations
        if r.status.value in ("selected", "confirmed")
    ]
    out = state.out_dir / "invites"
    now = state.event.registration.closes  # the demo's output is the same on every run
    written, failures = write_invites(state.event, selected, out, eml=True, now=now)
    console.out(f"  {written} invite(s) with e-mails for {len(selected)} selected in {out}/")
    for registration_id, reason in failures:
        console.out(f"  not invited: {registration_id}: {reason}")
