"""Tests of the event models: Event, Session, Organiser, OnlineMeeting, Venue and the window
(each invariant a specific error naming field and value)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import attrs
import pytest

from ran_events import tz
from ran_events.errors import (
    InvalidEmail,
    InvalidUrl,
    InvalidValue,
    NaiveDatetimeError,
    NonexistentTimeError,
    TimeRangeError,
    UnknownTimeZone,
)
from ran_events.models import (
    Event,
    OnlineMeeting,
    Organiser,
    RegistrationWindow,
    Session,
    SessionKind,
    SessionStatus,
    Venue,
)

ZONE = "Europe/Brussels"
UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0, month: int = 9) -> dt.datetime:
    """A wall time of 2023 in Brussels, localised."""
    return tz.localize(dt.datetime(2023, month, day, hour, minute), ZONE)


def session(sid: str = "plenary", start: int = 14, end: int = 15, **kw: Any) -> Session:
    return Session(id=sid, title=f"Session {sid}", start=at(20, start), end=at(20, end), **kw)


def event(**changes: Any) -> Event:
    fields: dict[str, Any] = {
        "id": "ran-mh-pcve-2023",
        "title": "Basics of Mental Health in P/CVE",
        "timezone": ZONE,
        "organiser": Organiser(name="RAN Practitioners", email="ran@example.org"),
        "sessions": (session("plenary", 14, 15), session("cases", 15, 17, kind="breakout")),
        "registration": RegistrationWindow(
            opens=at(11, 0, month=8), closes=tz.end_of_day(dt.date(2023, 9, 6), ZONE)
        ),
        "capacity": 30,
    }
    fields.update(changes)
    return Event(**fields)


def test_a_valid_event() -> None:
    e = event(online=OnlineMeeting(platform="WebEx", url="https://example.webex.com/x"))
    assert e.start == at(20, 14)
    assert e.end == at(20, 17)
    assert e.start.astimezone(UTC) == dt.datetime(2023, 9, 20, 12, tzinfo=UTC)
    assert tz.zone_name(e.zone) == ZONE
    assert e.local(dt.datetime(2023, 9, 20, 12, tzinfo=UTC)).hour == 14
    assert e.session("cases").kind is SessionKind.BREAKOUT
    assert e.revision == 0
    assert e.language == "en"


def test_timezone_is_stored_as_an_iana_name() -> None:
    assert event(timezone="CEST").timezone == ZONE
    with pytest.raises(UnknownTimeZone, match="Europe/Brussels"):
        event(timezone="Europe/Brusels")


# -- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["start", "end"])
def test_session_needs_aware_datetimes(field: str) -> None:
    naive = dt.datetime(2023, 9, 20, 14)
    times = {"start": at(20, 13), "end": at(20, 16)} | {field: naive}
    with pytest.raises(NaiveDatetimeError) as info:
        Session(id="plenary", title="Plenary", **times)
    assert isinstance(info.value, TypeError)
    assert info.value.field == field
    assert info.value.value == naive
    assert "localize" in str(info.value)


def test_window_needs_aware_datetimes() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        RegistrationWindow(opens=dt.datetime(2023, 8, 11), closes=at(7, 0))
    assert info.value.field == "registration.opens"


def test_session_ends_after_it_starts() -> None:
    with pytest.raises(TimeRangeError) as info:
        session("plenary", 15, 14)
    assert info.value.what == "session 'plenary'"
    assert info.value.start == at(20, 15)
    with pytest.raises(TimeRangeError):
        session("plenary", 15, 15)


def test_window_closes_after_it_opens() -> None:
    with pytest.raises(TimeRangeError, match="registration window"):
        RegistrationWindow(opens=at(7, 0), closes=at(7, 0))


def test_window_is_open() -> None:
    window = RegistrationWindow(opens=at(11, 0, month=8), closes=at(7, 0))
    assert window.is_open(at(11, 0, month=8))
    assert window.is_open(at(6, 23, 59))
    assert not window.is_open(at(7, 0))
    assert not window.is_open(at(10, 23, month=8))
    with pytest.raises(NaiveDatetimeError):
        window.is_open(dt.datetime(2023, 9, 1))


def test_session_duration_counts_elapsed_time_across_dst() -> None:
    s = Session(
        id="night",
        title="Night",
        start=tz.localize(dt.datetime(2023, 10, 29, 1), ZONE),
        end=tz.localize(dt.datetime(2023, 10, 29, 4), ZONE),
    )
    assert s.duration == dt.timedelta(hours=4)


def test_a_zoneinfo_time_that_does_not_exist_is_refused() -> None:
    brussels = zoneinfo.ZoneInfo(ZONE)
    gap = dt.datetime(2023, 3, 26, 2, 30, tzinfo=brussels)  # zoneinfo says +01:00
    with pytest.raises(NonexistentTimeError, match="does not exist in Europe/Brussels"):
        Session(id="s", title="Gap", start=gap, end=gap + dt.timedelta(hours=2))


def test_zoneinfo_times_in_the_fold_keep_their_instant_and_compare_by_it() -> None:
    brussels = zoneinfo.ZoneInfo(ZONE)
    first = dt.datetime(2023, 10, 29, 2, 15, tzinfo=brussels)
    second = first.replace(fold=1)
    s = Session(id="s", title="Fold", start=first, end=second)  # one hour, not zero
    assert s.duration == dt.timedelta(hours=1)
    assert (tz.to_utc(s.start).hour, tz.to_utc(s.end).hour) == (0, 1)
    # The same instants written in UTC (as a calendar reads them back) are equal.
    again = Session(id="s", title="Fold", start=tz.to_utc(first), end=tz.to_utc(second))
    assert event(sessions=(again,)).sessions == event(sessions=(s,)).sessions
    # Kept in the event's zone, whatever zone they were given in.
    kept = event(sessions=(again,)).sessions[0]
    assert (kept.start.isoformat(), kept.end.isoformat()) == (
        "2023-10-29T02:15:00+02:00",
        "2023-10-29T02:15:00+01:00",
    )


def test_registration_closes_no_later_than_the_first_session() -> None:
    late = RegistrationWindow(opens=at(11, 0, month=8), closes=at(20, 14, 1))
    with pytest.raises(InvalidValue) as info:
        event(registration=late)
    assert info.value.field == "registration.closes"
    assert info.value.value == at(20, 14, 1).isoformat()
    assert "2023-09-20T14:00:00+02:00" in info.value.expected
    # Closing exactly when the first session starts is fine.
    assert event(registration=RegistrationWindow(opens=at(1, 0), closes=at(20, 14)))


# -- sessions ------------------------------------------------------------------------------


def test_session_ids_are_unique() -> None:
    with pytest.raises(InvalidValue) as info:
        event(sessions=(session("a", 14, 15), session("b", 15, 16), session("a", 16, 17)))
    assert info.value.field == "sessions[2].id"
    assert info.value.value == "a"


def test_an_event_has_sessions() -> None:
    with pytest.raises(InvalidValue) as info:
        event(sessions=())
    assert info.value.field == "sessions"


def test_plenary_sessions_do_not_overlap() -> None:
    with pytest.raises(InvalidValue) as info:
        event(sessions=(session("late", 15, 17), session("early", 14, 16)))
    assert info.value.field == "sessions[0].start"
    assert info.value.value == at(20, 15).isoformat()
    assert "plenary 'early'" in info.value.expected
    # Back to back is fine, and so are parallel breakouts, and a cancelled-free overlap of a
    # plenary with a breakout.
    assert event(sessions=(session("a", 14, 15), session("b", 15, 16)))
    assert event(
        sessions=(
            session("a", 14, 15),
            session("b1", 15, 17, kind="breakout"),
            session("b2", 15, 17, kind="breakout"),
            session("c", 16, 17, kind="other"),
        )
    )


@pytest.mark.parametrize(
    ("sid", "title"), [("", "Title"), ("has space", "Title"), ("-x", "Title"), ("ok", " ")]
)
def test_session_id_and_title(sid: str, title: str) -> None:
    with pytest.raises(InvalidValue) as info:
        Session(id=sid, title=title, start=at(20, 14), end=at(20, 15))
    assert info.value.field == ("title" if sid == "ok" else "id")


def test_session_kind_and_status_are_enums() -> None:
    s = session(kind="breakout", status="cancelled")
    assert s.kind is SessionKind.BREAKOUT
    assert s.status is SessionStatus.CANCELLED
    with pytest.raises(ValueError, match="'parallel' is not a valid SessionKind"):
        session(kind="parallel")


# -- other fields --------------------------------------------------------------------------


@pytest.mark.parametrize("capacity", [0, -1, True, 2.5, "30"])
def test_capacity_is_at_least_one(capacity: object) -> None:
    with pytest.raises(InvalidValue) as info:
        event(capacity=capacity)
    assert info.value.field == "capacity"
    assert info.value.value == capacity
    assert "at least 1" in str(info.value)


def test_target_groups_once_each() -> None:
    assert event(target_groups="police").target_groups == ("police",)
    with pytest.raises(InvalidValue) as info:
        event(target_groups=["police", "prison", "police"])
    assert info.value.field == "target_groups"


def test_revision_is_not_negative() -> None:
    with pytest.raises(InvalidValue, match="revision"):
        event(revision=-1)


@pytest.mark.parametrize(
    "url",
    [
        "example.webex.com/meet",
        "ftp://example.org/x",
        "https://",
        "https://exa mple.org/",
        "javascript:alert(1)",
        # control characters break the .ics for libical and reach terminals and e-mails
        "https://example.webex.com/meet/ran\x00mh",
        "https://example.webex.com/meet/ran-mh\x1b[2J\x1b]0;owned\x07",
        "https://example.webex.com/meet/ran\x7fmh",
        "https://example.webex.com/meet/ran\x85mh",
        "https://example.webex.com/meet/\u202eexe.txt",
        "https://example.webex.com/meet/ran\u2028mh",
        # what urllib.parse refuses (ValueError) or reads as no valid port
        "https://[::1/meet",
        "https://example.webex.com:99999/meet",
        "https://example.webex.com:port/meet",
    ],
)
def test_the_join_link_is_a_url(url: str) -> None:
    with pytest.raises(InvalidUrl) as info:
        OnlineMeeting(platform="WebEx", url=url)
    assert isinstance(info.value, ValueError)
    assert (info.value.field, info.value.value) == ("url", url)
    assert "http" in info.value.expected
    with pytest.raises(InvalidUrl):
        OnlineMeeting(platform="WebEx", url=None)  # type: ignore[arg-type]


def test_a_control_character_in_a_join_link_is_named() -> None:
    with pytest.raises(InvalidUrl, match="U\\+001B"):
        OnlineMeeting(platform="WebEx", url="https://example.webex.com/meet/\x1b[31m")
    url = "https://example.webex.com/meet/ran-mh?pwd=a%1Bb&lang=fr#r\u00e9union"
    assert OnlineMeeting(platform="WebEx", url=url).url == url


@pytest.mark.parametrize("email", ["ran", "ran@", "@example.org", "ran@@example.org", "a b@x.org"])
def test_organiser_email_is_checked(email: str) -> None:
    with pytest.raises(InvalidEmail) as info:
        Organiser(name="RAN", email=email)
    assert info.value.field == "email"
    assert info.value.value == email
    assert info.value.reason
    with pytest.raises(InvalidEmail, match="not a string"):
        Organiser(name="RAN", email=42)  # type: ignore[arg-type]


def test_organiser_domain() -> None:
    assert Organiser(name="RAN", email="Ran@Example.ORG").domain == "example.org"
    with pytest.raises(InvalidValue) as info:
        Organiser(name="", email="ran@example.org")
    assert info.value.field == "name"


def test_venue() -> None:
    venue = Venue(name="Egmont Palace", city="Brussels", country="BE")
    assert venue.one_line() == "Egmont Palace, Brussels, BE"
    assert event(venue=venue).venue == venue
    with pytest.raises(InvalidValue) as info:
        Venue(name="Hall", city=3)  # type: ignore[arg-type]
    assert info.value.field == "city"


# -- changes -------------------------------------------------------------------------------


def test_reschedule_returns_a_new_revision() -> None:
    original = event()
    moved = original.reschedule("cases", start=at(20, 15, 30), end=at(20, 17, 30))
    assert moved is not original
    assert moved.revision == original.revision + 1
    assert moved.session("cases").start == at(20, 15, 30)
    assert original.session("cases").start == at(20, 15)  # unchanged
    assert moved.session("plenary") == original.session("plenary")
    again = moved.reschedule("plenary", start=at(20, 13), end=at(20, 14))
    assert again.revision == 2
    with pytest.raises(KeyError, match="no session 'nope'"):
        original.reschedule("nope", start=at(20, 13), end=at(20, 14))
    with pytest.raises(TimeRangeError):
        original.reschedule("cases", start=at(20, 17), end=at(20, 16))
    with pytest.raises(InvalidValue, match=r"registration\.closes"):
        original.reschedule("plenary", start=at(5, 14), end=at(5, 15))


def test_cancel_session() -> None:
    original = event()
    cancelled = original.cancel_session("cases")
    assert cancelled.session("cases").status is SessionStatus.CANCELLED
    assert original.session("cases").status is SessionStatus.CONFIRMED
    assert cancelled.revision == 1
    with pytest.raises(KeyError):
        original.cancel_session("nope")


def test_models_are_frozen() -> None:
    e = event()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        e.capacity = 10  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        e.sessions[0].start = at(20, 9)  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        e.registration.closes = at(20, 9)  # type: ignore[misc]
    assert isinstance(e.sessions, tuple)
    assert e.revise(capacity=10).capacity == 10


def test_keyword_only() -> None:
    with pytest.raises(TypeError):
        Organiser("RAN", "ran@example.org")  # type: ignore[misc]


def test_texts_must_be_strings() -> None:
    with pytest.raises(InvalidValue, match="a string") as info:
        Organiser(name=3, email="ran@example.org")  # type: ignore[arg-type]
    assert info.value.field == "name"


def test_a_pytz_zone_attached_directly_is_refused() -> None:
    """``datetime(..., tzinfo=pytz_zone)`` is local mean time (+00:18 in Brussels)."""
    import pytz

    lmt = dt.datetime(2023, 9, 20, 14, tzinfo=pytz.timezone("Europe/Brussels"))
    with pytest.raises(InvalidValue, match="local mean time") as info:
        Session(id="plenary", title="Plenary", start=lmt, end=at(20, 17))
    assert info.value.field == "start"


# -- bad input: only the documented errors (issue 11, found by fuzzing) ---------------------


@pytest.mark.parametrize(
    "start",
    [
        dt.datetime(616, 8, 11, tzinfo=UTC),  # to_toml() wrote it as "616-08-11T00:00"
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),  # overflowed
        dt.datetime(1969, 12, 31, 23, 59, tzinfo=UTC),
        dt.datetime(2101, 1, 1, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-12))),
    ],
)
def test_instants_outside_the_accepted_years_are_refused(start: dt.datetime) -> None:
    from ran_events.models import FIRST_YEAR, LAST_YEAR, check_instant

    with pytest.raises(InvalidValue, match="an instant in the years 1970 to 2100") as info:
        Session(id="s", title="S", start=start, end=start)  # (the range comes first)
    assert info.value.field == "start"
    with pytest.raises(InvalidValue):
        RegistrationWindow(opens=at(1, 0), closes=start)
    with pytest.raises(InvalidValue):
        check_instant(start, "now")
    assert (FIRST_YEAR, LAST_YEAR) == (1970, 2100)


def test_the_first_and_last_accepted_years() -> None:
    first = dt.datetime(1970, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14)))
    last = dt.datetime(2100, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12)))
    assert Session(id="s", title="S", start=first, end=last).duration > dt.timedelta(0)


@pytest.mark.parametrize("bad", ["cases\n", "cases\r\n", "\ncases", "cases\n\n", "cas es"])
def test_an_identifier_is_matched_to_its_true_end(bad: str) -> None:
    with pytest.raises(InvalidValue, match="an identifier") as info:
        session(bad)
    assert info.value.value == bad
    with pytest.raises(InvalidValue, match="an identifier"):
        event(id=bad)


@pytest.mark.parametrize("url", ["http://[", "https://[::1", "ftp://example.org/x"])
def test_a_url_that_cannot_be_split_is_an_invalid_url(url: str) -> None:
    with pytest.raises(InvalidUrl):
        OnlineMeeting(platform="WebEx", url=url)


def test_choices_and_target_groups_must_be_text() -> None:
    from ran_events.models import Question

    with pytest.raises(InvalidValue, match="a choice written as text") as info:
        Question(id="gender", text="G?", kind="single-choice", choices=[1, "female"])  # type: ignore[list-item]
    assert info.value.value == 1
    with pytest.raises(InvalidValue, match="role names") as groups:
        event(target_groups=[["police"], "prison"])
    assert groups.value.field == "target_groups"


def test_the_duplicate_session_check_is_linear() -> None:
    import time

    from ran_events.models import event_problems

    one = session("s", kind="breakout")  # breakouts may run in parallel
    sessions = [attrs.evolve(one, id=f"s{i}") for i in range(30_000)]
    sessions.append(sessions[7])
    window = RegistrationWindow(opens=at(1, 0), closes=at(2, 0))
    started = time.process_time()
    problems = event_problems(sessions, window)
    elapsed = time.process_time() - started
    assert [(p.field, p.value) for p in problems] == [("sessions[30000].id", "s7")]
    assert elapsed < 1.0  # comparing each id with every earlier one took over 10 s
