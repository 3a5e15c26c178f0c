"""How much cheaper a batch of invites is with the shared template than with icalendar.

Three ways to produce the same REQUEST objects (one per selected attendee and session) for
the webinar, measured side by side in one run:

1. ``ran_events.ics.invites_for``: the VTIMEZONE and each session's VEVENT rendered once,
   one ATTENDEE line per invite;
2. icalendar's component API building each attendee's calendar from scratch, with the
   VTIMEZONE built once and reused;
3. the same with ``Calendar.add_missing_timezones()`` called for every invite.

Then the price of one attendee's invites at a time (``ran_events.ics.invite``, one call per
attendee, each returning one REQUEST per session), as a service sending them one by one pays
it: the first call renders the event's template, the next ones reuse it. It is set against
icalendar building the same invites with a cached VTIMEZONE and against the bulk price.

Every output parses (with icalendar) to the same VEVENT properties. Run::

    .venv/bin/python benchmarks/bench_invites.py [--attendees 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable, Sequence

import attrs
import icalendar

from ran_events import examples, ics, tz
from ran_events.models import Event, Registration

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)


def reference_invite(
    event: Event, registration: Registration, session_id: str, now: dt.datetime
) -> icalendar.Calendar:
    """One attendee's invite for one session built with icalendar's component API."""
    session = event.session(session_id)
    assert event.online is not None
    vevent = icalendar.Event()
    vevent.add("UID", ics.session_uid(event, session))
    vevent.add("SEQUENCE", event.revision)
    vevent.add("DTSTAMP", now)
    vevent.add("DTSTART", tz.to_zone(session.start, event.timezone))
    vevent.add("DTEND", tz.to_zone(session.end, event.timezone))
    language = {"LANGUAGE": event.language}
    vevent.add("SUMMARY", f"{event.title}: {session.title}", parameters=language)
    join = f"Join online ({event.online.platform}): {event.online.url}"
    vevent.add("DESCRIPTION", f"{event.description}\n\n{join}", parameters=language)
    vevent.add("LOCATION", event.online.url)
    vevent.add("URL", event.online.url, parameters={"VALUE": "URI"})
    vevent.add(
        "CONFERENCE",
        icalendar.vUri(event.online.url),
        parameters={"VALUE": "URI", "FEATURE": "AUDIO,VIDEO", "LABEL": event.online.platform},
    )
    organiser = icalendar.vCalAddress(f"mailto:{event.organiser.email}")
    organiser.params["CN"] = event.organiser.name
    vevent.add("ORGANIZER", organiser)
    attendee = icalendar.vCalAddress(f"mailto:{registration.email}")
    for key, value in (
        ("CUTYPE", "INDIVIDUAL"),
        ("ROLE", "REQ-PARTICIPANT"),
        ("PARTSTAT", "NEEDS-ACTION"),
        ("RSVP", "TRUE"),
        ("CN", registration.registrant.name),
    ):
        attendee.params[key] = value
    vevent.add("ATTENDEE", attendee)
    vevent.add("STATUS", "CONFIRMED")
    vevent.add("TRANSP", "OPAQUE")
    vevent.add("X-RAN-SESSION-KIND", session.kind.value)
    alarm = icalendar.Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("TRIGGER", -dt.timedelta(minutes=15))
    alarm.add("DESCRIPTION", f"{event.title}: {session.title}")
    vevent.add_component(alarm)
    calendar = icalendar.Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", ics.PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "REQUEST")
    calendar.add_component(vevent)
    return calendar


def with_template(event: Event, pool: Sequence[Registration]) -> list[bytes]:
    """Invites through the shared template."""
    return [
        item.data
        for item in ics.invites_for(event, pool, now=NOW)
        if isinstance(item, ics.CalendarObject)
    ]


def with_cached_vtimezone(event: Event, pool: Sequence[Registration]) -> list[bytes]:
    """icalendar from scratch per invite, the VTIMEZONE built once."""
    zone = icalendar.Timezone.from_tzid(event.timezone)
    out = []
    for registration in pool:
        for session in event.sessions:
            calendar = reference_invite(event, registration, session.id, NOW)
            calendar.subcomponents.insert(0, zone)
            out.append(calendar.to_ical())
    return out


def with_add_missing_timezones(event: Event, pool: Sequence[Registration]) -> list[bytes]:
    """icalendar from scratch per invite, ``add_missing_timezones()`` every time."""
    out = []
    for registration in pool:
        for session in event.sessions:
            calendar = reference_invite(event, registration, session.id, NOW)
            calendar.add_missing_timezones()
            out.append(calendar.to_ical())
    return out


def one_at_a_time(event: Event, pool: Sequence[Registration]) -> list[bytes]:
    """Invites through ``ics.invite``, one call per attendee (the template cached)."""
    return [
        item.data for registration in pool for item in ics.invite(event, registration, now=NOW)
    ]


def first_call(event: Event, registration: Registration, repeat: int) -> float:
    """The best time of an ``ics.invite`` call that renders the template (a new revision)."""
    best = float("inf")
    for number in range(repeat):
        fresh = event.revise(title=f"{event.title} ({number})")
        started = time.process_time()
        ics.invite(fresh, registration, now=NOW)
        best = min(best, time.process_time() - started)
    return best


def vevent_properties(data: bytes) -> list[tuple[str, bytes]]:
    """The VEVENT's properties (with VALARM) as icalendar reads them, for comparison."""
    (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    items = vevent.property_items(recursive=True, sorted=True)
    return sorted(
        (name, value if isinstance(value, bytes) else str(value).encode())
        for name, value in items
        if name not in ("BEGIN", "END")
    )


def measure(
    build: Callable[[Event, Sequence[Registration]], list[bytes]],
    event: Event,
    pool: Sequence[Registration],
    repeat: int,
) -> tuple[float, list[bytes]]:
    """The best per-invite CPU time in seconds over ``repeat`` runs, and the output.

    CPU time (``time.process_time``), not wall time: the figures hold on a shared machine.
    """
    best = float("inf")
    out: list[bytes] = []
    for _ in range(repeat):
        started = time.process_time()
        out = build(event, pool)
        best = min(best, (time.process_time() - started) / len(out))
    return best, out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three side by side and print per-invite times and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attendees", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    event = examples.webinar()
    pool = [
        attrs.evolve(r, status="selected")
        for r in examples.synthetic_applicants(args.attendees, seed=2023)
    ]
    # ours first, bulk and single side by side, before icalendar's loops churn the heap
    ours, ours_out = measure(with_template, event, pool, args.repeat)
    single, single_out = measure(one_at_a_time, event, pool, args.repeat)
    cold = first_call(event, pool[0], args.repeat)
    cached, cached_out = measure(with_cached_vtimezone, event, pool, args.repeat)
    missing, missing_out = measure(with_add_missing_timezones, event, pool, args.repeat)
    same = single_out == ours_out and all(
        vevent_properties(a) == vevent_properties(b) == vevent_properties(c)
        for a, b, c in zip(ours_out, cached_out, missing_out, strict=True)
    )
    print(f"{len(ours_out)} invites ({args.attendees} attendees x {len(event.sessions)} sessions)")
    print(f"template (ran_events.ics.invites_for): {ours * 1e6:9.1f} us/invite")
    print(f"icalendar, cached VTIMEZONE:           {cached * 1e6:9.1f} us/invite")
    print(f"icalendar, add_missing_timezones():    {missing * 1e6:9.1f} us/invite")
    print(f"ratio vs cached VTIMEZONE:        {cached / ours:7.1f}x (target >= 10x)")
    print(f"ratio vs add_missing_timezones(): {missing / ours:7.1f}x (target >= 50x)")
    call = len(event.sessions) * 1e6  # invite() returns one object per session; in us
    print(f"one attendee per call (ran_events.ics.invite), {len(event.sessions)} invites a call:")
    print(f"  first call of a revision (renders the template): {cold * 1e6:9.1f} us/call")
    print(f"  next calls (template cached):                    {single * call:9.1f} us/call")
    print(f"  icalendar, cached VTIMEZONE, same invites:       {cached * call:9.1f} us/call")
    print(f"  bulk price of the same invites (invites_for):    {ours * call:9.1f} us/call")
    print(
        f"  ratio vs icalendar: {cached / single:7.1f}x; vs bulk: {single / ours:4.2f}x the price"
    )
    print(f"same VEVENT properties: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
