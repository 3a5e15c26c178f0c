"""Tests of the ``ics`` and ``invites`` commands."""

from __future__ import annotations

import email
import email.policy
import io
from pathlib import Path

import icalendar

from ran_events import eventfile, examples
from ran_events.cli import main


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.toml"
    path.write_text(eventfile.dumps(examples.webinar()), encoding="utf-8")
    return path


def _decisions(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "decisions.csv"
    lines = ["registration_id,email,name,outcome,rank,reason", *rows]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _one_selected(tmp_path: Path) -> Path:
    return _decisions(tmp_path, "r1,ann@example.org,Ann,selected,1,x")


def test_ics_writes_the_listing(tmp_path: Path) -> None:
    event = _event_file(tmp_path)
    target = tmp_path / "out" / "listing.ics"
    code, out, _ = _run("ics", str(event), "-o", str(target))
    assert code == 0
    assert "2 session(s)" in out
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    assert calendar["METHOD"] == "PUBLISH"
    assert len(calendar.walk("VEVENT")) == 2


def test_invites_writes_one_object_per_selected_person_and_session(tmp_path: Path) -> None:
    event = _event_file(tmp_path)
    decisions = _decisions(
        tmp_path,
        'r1,Ann@Example.org,"Doe, Ann",selected,1,selected: rank 1',
        "r2,bob@example.org,Bob,waitlisted,2,waitlisted: position 1",
        "r3,not-an-address,Cy,selected,3,selected: rank 3",
        "r4,dee@example.org,Dee,perhaps,4,?",
    )
    out_dir = tmp_path / "invites"
    code, out, err = _run("invites", str(event), str(decisions), "--out", str(out_dir), "--eml")
    assert code == 1
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "r1-cases.eml",
        "r1-cases.ics",
        "r1-plenary.eml",
        "r1-plenary.ics",
        "r2-decision.eml",
    ]
    assert err.splitlines()[0].startswith(f"{decisions}:4: email: ")
    assert err.splitlines()[1] == (
        f"{decisions}:5: outcome: 'perhaps': expected selected, waitlisted, rejected"
    )
    assert "2 invite(s) for 1 registrant(s)" in out
    assert "1 decision e-mail(s) to the not selected, 2 problem(s)" in out
    decision = email.message_from_bytes(
        (out_dir / "r2-decision.eml").read_bytes(), policy=email.policy.default
    )
    assert decision["To"] == "Bob <bob@example.org>"
    assert decision["Subject"].startswith("Waiting list: ")
    assert not decision.is_multipart()
    assert [part.get_content_type() for part in decision.walk()] == ["text/plain"]
    assert "Reason: waitlisted: position 1" in decision.get_content()
    message = email.message_from_bytes(
        (out_dir / "r1-plenary.eml").read_bytes(), policy=email.policy.default
    )
    assert message["To"] == '"Doe, Ann" <ann@example.org>'
    (vevent,) = icalendar.Calendar.from_ical((out_dir / "r1-plenary.ics").read_bytes()).walk(
        "VEVENT"
    )
    assert str(vevent["ATTENDEE"]) == "mailto:ann@example.org"


def test_invites_cancel_writes_cancellations(tmp_path: Path) -> None:
    event, decisions = _event_file(tmp_path), _one_selected(tmp_path)
    out_dir = tmp_path / "cancel"
    code, out, _ = _run("invites", str(event), str(decisions), "--out", str(out_dir), "--cancel")
    assert code == 0
    assert "2 cancellation(s)" in out
    data = (out_dir / "r1-plenary.ics").read_bytes()
    assert b"METHOD:CANCEL\r\n" in data


def test_invites_refuses_a_file_without_the_columns(tmp_path: Path) -> None:
    event = _event_file(tmp_path)
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("id,email\n1,a@example.org\n", encoding="utf-8")
    code, out, err = _run("invites", str(event), str(decisions), "--out", str(tmp_path / "x"))
    assert code == 1
    assert err.startswith(
        f"{decisions}:1: header: ['id', 'email']: expected the columns registration_id, email"
    )
    assert "0 invite(s) for 0 registrant(s)" in out


def test_invites_without_eml_write_no_decision_emails_and_keep_bad_rows(tmp_path: Path) -> None:
    event = _event_file(tmp_path)
    decisions = _decisions(
        tmp_path,
        "r1,ann@example.org,Ann,selected,1,x",
        "r2,bob@example.org,Bob,rejected,,rejected: role 'press' is not a target group",
        "r1,cy@example.org,Cy,selected,2,x",
        "r4,dee@example.org,Dee,selected,zero,x",
    )
    out_dir = tmp_path / "plain"
    code, out, err = _run("invites", str(event), str(decisions), "--out", str(out_dir))
    assert code == 1
    assert sorted(p.name for p in out_dir.iterdir()) == ["r1-cases.ics", "r1-plenary.ics"]
    assert err.splitlines() == [
        f"{decisions}:4: registration_id: 'r1': repeats line 2; expected each id once",
        f"{decisions}:5: rank: 'zero': expected a whole number >= 1 or empty",
    ]
    assert "decision e-mail" not in out


def test_invites_now_is_the_time_stamp(tmp_path: Path) -> None:
    event, decisions = _event_file(tmp_path), _one_selected(tmp_path)
    out_dir = tmp_path / "stamped"
    argv = ("invites", str(event), str(decisions), "--out", str(out_dir), "--now")
    code, _, err = _run(*argv, "2023-09-07T10:00+02:00")
    assert code == 0, err
    assert b"DTSTAMP:20230907T080000Z\r\n" in (out_dir / "r1-plenary.ics").read_bytes()
    code, _, err = _run(*argv, "2023-09-07T10:00")
    assert code == 1
    assert "--now: '2023-09-07T10:00' has no UTC offset" in err


def test_invites_eml_names_follow_the_ics_names(tmp_path: Path) -> None:
    # The e-mail's name is the calendar object's with its suffix swapped, even when the
    # registration id itself contains ".ics".
    event = _event_file(tmp_path)
    decisions = _decisions(tmp_path, "a.ics.b,ann@example.org,Ann,selected,1,x")
    out_dir = tmp_path / "named"
    code, _, err = _run("invites", str(event), str(decisions), "--out", str(out_dir), "--eml")
    assert (code, err) == (0, "")
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "a.ics.b-cases.eml",
        "a.ics.b-cases.ics",
        "a.ics.b-plenary.eml",
        "a.ics.b-plenary.ics",
    ]


def test_the_listing_names_the_platform_but_not_the_join_link(tmp_path: Path) -> None:
    event = _event_file(tmp_path)
    url = examples.webinar().online.url  # type: ignore[union-attr]
    target = tmp_path / "listing.ics"
    code, _, err = _run("ics", str(event), "-o", str(target))
    assert code == 0, err
    listing = target.read_bytes().replace(b"\r\n ", b"").decode()
    assert url not in listing
    assert "CONFERENCE" not in listing
    assert "LOCATION:Online (WebEx)" in listing
    code, _, err = _run("ics", str(event), "-o", str(target), "--with-join-link", "--force")
    assert code == 0, err
    listing = target.read_bytes().replace(b"\r\n ", b"").decode()
    assert f"CONFERENCE;VALUE=URI;FEATURE=AUDIO,VIDEO;LABEL=WebEx:{url}" in listing
