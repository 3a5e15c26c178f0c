"""Tests of the ``ics`` and ``invites`` commands."""

from __future__ import annotations

import email
import email.policy
import io
from pathlib import Path

import icalendar

from ran_events import examples
from ran_events.cli import main
from ran_events.serialization import event_to_toml


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.toml"
    path.write_text(event_to_toml(examples.webinar()), encoding="utf-8")
    return path


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
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        "registration_id,email,name,outcome,rank,reason\n"
        'r1,Ann@Example.org,"Doe, Ann",selected,1,selected: rank 1\n'
        "r2,bob@example.org,Bob,waitlisted,2,waitlisted: position 1\n"
        "r3,not-an-address,Cy,selected,3,selected: rank 3\n"
        "r4,dee@example.org,Dee,perhaps,4,?\n",
        encoding="utf-8",
    )
    out_dir = tmp_path / "invites"
    code, out, err = _run("invites", str(event), str(decisions), "--out", str(out_dir), "--eml")
    assert code == 1
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "r1-cases.eml",
        "r1-cases.ics",
        "r1-plenary.eml",
        "r1-plenary.ics",
    ]
    assert f"{decisions}:4: email: " in err
    assert f"{decisions}:5: outcome: 'perhaps'" in err
    assert "2 invite(s) for 1 registrant(s)" in out
    message = email.message_from_bytes(
        (out_dir / "r1-plenary.eml").read_bytes(), policy=email.policy.default
    )
    assert message["To"] == '"Doe, Ann" <ann@example.org>'
    (vevent,) = icalendar.Calendar.from_ical((out_dir / "r1-plenary.ics").read_bytes()).walk(
        "VEVENT"
    )
    assert str(vevent["ATTENDEE"]) == "mailto:ann@example.org"


def test_invites_cancel_writes_cancellations(tmp_path: Path) -> None:
    event = _event_file(tmp_path)
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        "registration_id,email,name,outcome,rank,reason\nr1,ann@example.org,Ann,selected,1,x\n",
        encoding="utf-8",
    )
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
    code, _, err = _run("invites", str(event), str(decisions), "--out", str(tmp_path / "x"))
    assert code == 1
    assert "missing column(s)" in err
