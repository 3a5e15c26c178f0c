"""10,000 reply files applied to a store (target: under 10 s), against parsing them alone.

An event with 5,000 places (the webinar's role quotas, scaled) and 6,000 applications is
selected and every invite queued (not timed). Then 10,000 reply e-mails, as Gmail sends them
(``multipart/mixed``, the calendar part base64), are written to a folder: every selected
person answers both sessions, ``DECLINE_EVERY``-th person declines (each decline promotes the
next admissible person on the waiting list and queues the offer and the CANCEL), everyone
else accepts. Timed:

1. ``read_reply_files`` + ``apply_replies`` over the folder (the figure), and each of the
   two apart;
2. the baseline, in the same run: the same files parsed with the standard library's e-mail
   parser and icalendar alone (what any tool must do to read them, applying nothing).

The target is judged on CPU time (this process's), so that other work on a shared machine
does not count; wall time and the load average are printed beside it.

The store is SQLite (``ran_events.store.open_store``) in a temporary file. Run::

    .venv/bin/python benchmarks/bench_replies.py [--replies 10000] [--decline-every 100]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import email
import email.policy
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs
import icalendar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reply_loop import SELECTED_AT, after_invites

from ran_events import examples
from ran_events.ics import session_uid
from ran_events.replies import apply_replies, read_reply_files
from ran_events.selection import Outcome
from ran_events.store import open_store

TARGET_SECONDS = 10.0


def _store(folder: Path) -> tuple[Any, str]:
    return open_store(str(folder / "ran.sqlite")), "SQLite in a file (open_store)"


def _reply_email(attendee: str, uid: str, partstat: str, minute: int) -> bytes:
    calendar = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        "VERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
        "DTSTART:20230920T120000Z\r\nDTEND:20230920T133000Z\r\n"
        f"DTSTAMP:20230909T{9 + minute // 60:02d}{minute % 60:02d}00Z\r\n"
        "ORGANIZER;CN=RAN Practitioners:mailto:ran-practitioners@example.org\r\n"
        f"UID:{uid}\r\nATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};"
        f"CN={attendee};X-NUM-GUESTS=0:mailto:{attendee}\r\nSEQUENCE:0\r\n"
        "STATUS:CONFIRMED\r\nSUMMARY:RAN Practitioners Training Webinar\r\nTRANSP:OPAQUE\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    encoded = base64.encodebytes(calendar).replace(b"\n", b"\r\n")
    return (
        (
            f"From: <{attendee}>\r\nTo: ran-practitioners@example.org\r\n"
            f"Subject: {partstat.title()}: RAN Practitioners Training Webinar\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            '--b1\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n'
            f"{attendee} has answered.\r\n"
            '--b1\r\nContent-Type: text/calendar; charset="UTF-8"; method=REPLY\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + encoded
        + b"--b1--\r\n"
    )


def _baseline(paths: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds to parse the files with email + icalendar, applying nothing."""
    start, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
                for vevent in calendar.walk("VEVENT"):
                    str(vevent.get("ATTENDEE").params.get("PARTSTAT"))
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--decline-every", type=int, default=100)
    args = parser.parse_args()
    places = args.replies // 2
    webinar = examples.webinar()
    # The webinar's quotas scaled to the places (the organisation cap of 2 would leave most
    # places empty in a synthetic pool of this size).
    quotas = {
        "role": {
            "prison": attrs.evolve(webinar.selection.quotas["role"]["prison"], min=places // 10),
            "police": attrs.evolve(webinar.selection.quotas["role"]["police"], max=places // 3),
        }
    }
    rules = attrs.evolve(webinar.selection, quotas=quotas, caps={})
    event = attrs.evolve(webinar, id="ran-bench-2023", capacity=places, selection=rules)
    with tempfile.TemporaryDirectory(prefix="ran-events-bench-replies-") as tmp:
        folder = Path(tmp)
        store, kind = _store(folder)
        setup = time.perf_counter()
        loop = after_invites(places + places // 5, seed=5, event=event, store=store)
        selected = [
            d.registration_id for d in loop.result.decisions if d.outcome is Outcome.SELECTED
        ]
        paths = []
        for number, rid in enumerate(selected):
            address = loop.registration(rid).email
            answer = "DECLINED" if number % args.decline_every == 0 else "ACCEPTED"
            for session in event.sessions:
                path = folder / f"{number:05d}-{session.id}.eml"
                uid = session_uid(event, session)
                path.write_bytes(_reply_email(address, uid, answer, number % 600))
                paths.append(path)
        print(
            f"store: {kind}; {len(selected)} selected of {places + places // 5}, "
            f"{len(paths)} reply files; setup {time.perf_counter() - setup:.1f} s"
        )
        baseline, baseline_cpu = _baseline(paths)
        cpu, start = time.process_time(), time.perf_counter()
        read = read_reply_files(paths)
        read_cpu = time.process_time() - cpu
        outcomes = apply_replies(
            store, event, read.replies, now=SELECTED_AT + dt.timedelta(days=1)
        )
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        codes: dict[str, int] = {}
        for outcome in outcomes:
            codes[outcome.code] = codes.get(outcome.code, 0) + 1
        print(f"outcomes: {dict(sorted(codes.items()))}; refused files: {len(read.refused)}")
        print(
            f"read + apply {len(paths)} replies: {cpu:.2f} s CPU (read {read_cpu:.2f} s, "
            f"apply {cpu - read_cpu:.2f} s), {seconds:.2f} s wall "
            f"({len(paths) / cpu:,.0f} replies/s of CPU); target < {TARGET_SECONDS:.0f} s CPU: "
            f"{'met' if cpu < TARGET_SECONDS else 'NOT met'}"
        )
        print(
            f"baseline (email + icalendar parse only): {baseline_cpu:.2f} s CPU, "
            f"{baseline:.2f} s wall; ratio {cpu / baseline_cpu:.2f}x CPU, "
            f"{seconds / baseline:.2f}x wall; load average {os.getloadavg()[0]:.2f}"
        )
        store.close()
    return 0 if cpu < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
