"""Tests of ``ran-events workshops`` and ``ran-events invites --groups`` (issue 15)."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import pytest
from tests.workshop_events import BREAKOUTS_TOML, WORKSHOPS_TOML

from ran_events.cli import main
from ran_events.groups import read_assignments_csv

WORKSHOPS = ("ws-a", "ws-b", "ws-c")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def decisions(tmp_path: Path, ids: list[str], *extra: str) -> Path:
    path = tmp_path / "decisions.csv"
    lines = ["registration_id,email,name,outcome,rank,reason"]
    lines += [f"{rid},{rid}@example.org,Person {rid},selected,{n},selected" for n, rid in
              enumerate(ids, 1)]  # fmt: skip
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return path


def applications(tmp_path: Path, ids: list[str]) -> Path:
    rng = random.Random(15)
    path = tmp_path / "applications.csv"
    lines = ["id,email,name,submitted_at,role,workshops"]
    for n, rid in enumerate(ids):
        ranking = " > ".join(rng.sample(WORKSHOPS, k=rng.randint(1, 3)))
        lines.append(f"{rid},{rid}@example.org,Person {rid},2024-03-{n % 28 + 1:02}T10:00+01:00,"
                     f"police,{ranking}")  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.toml"
    path.write_text(WORKSHOPS_TOML, encoding="utf-8")
    return path


IDS = [f"r{n:02}" for n in range(40)]


def test_workshops_places_everyone_and_prints_the_choices_met(
    event_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "workshops.csv"
    status, printed, err = run(
        "workshops", str(event_file), str(decisions(tmp_path, IDS)),
        "--applications", str(applications(tmp_path, IDS)), "--seed", "7", "--out", str(out),
    )  # fmt: skip
    assert (status, err) == (0, "")
    lines = printed.splitlines()
    assert lines[0].startswith("Workshops of ran-families-2024 (total score ")
    assert lines[1].startswith("  slot-1 (2024-04-20 10:30): 1st choice: ")
    assert [line.split(":")[0].strip() for line in lines[2:5]] == list(WORKSHOPS)
    assert all(line.endswith("of 15") for line in lines[2:5])
    assert lines[-1] == f"wrote 40 placement(s) to {out}"
    read = read_assignments_csv(out)
    assert read.ok
    assert sorted(read.rooms()) == IDS
    assert {row.group for row in read.rows} == {"slot-1"}
    assert all(row.reason.startswith("slot-1: ws-") for row in read.rows)


def test_the_same_seed_writes_the_same_file(event_file: Path, tmp_path: Path) -> None:
    args = ["workshops", str(event_file), str(decisions(tmp_path, IDS)),
            "--applications", str(applications(tmp_path, IDS)), "--seed", "3"]  # fmt: skip
    run(*args, "--out", str(tmp_path / "one.csv"))
    run(*args, "--out", str(tmp_path / "two.csv"))
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_workshops_without_applications_ranks_nothing(event_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "workshops.csv"
    status, printed, _ = run("workshops", str(event_file), str(decisions(tmp_path, IDS[:5])),
                             "--seed", "1", "--out", str(out))  # fmt: skip
    assert status == 0
    assert "slot-1 (2024-04-20 10:30): not ranked: 5" in printed


def test_a_selected_person_without_an_application_is_named(
    event_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "workshops.csv"
    status, _, err = run(
        "workshops", str(event_file), str(decisions(tmp_path, [*IDS[:3], "ghost"])),
        "--applications", str(applications(tmp_path, IDS[:3])), "--seed", "1", "--out", str(out),
    )  # fmt: skip
    assert status == 0
    assert "warning: no application for 1 selected registrant(s) (ghost); they rank nothing" in err


def test_workshops_needs_a_seed(event_file: Path, tmp_path: Path) -> None:
    status, _, err = run("workshops", str(event_file), str(decisions(tmp_path, IDS)),
                         "--out", str(tmp_path / "w.csv"))  # fmt: skip
    assert status == 2
    assert "--seed: needed" in err


def test_too_few_places_name_the_slot_and_shortfall(event_file: Path, tmp_path: Path) -> None:
    many = [f"r{n:02}" for n in range(50)]
    status, _, err = run("workshops", str(event_file), str(decisions(tmp_path, many)),
                         "--seed", "1", "--out", str(tmp_path / "w.csv"))  # fmt: skip
    assert status == 1
    assert "slot-1 (ws-a, ws-b, ws-c) has 45 places for 50 people: 5 short" in err
    assert not (tmp_path / "w.csv").exists()


def test_an_event_without_workshops_is_refused(tmp_path: Path) -> None:
    event = tmp_path / "event.toml"
    event.write_text(BREAKOUTS_TOML, encoding="utf-8")
    status, _, err = run("workshops", str(event), str(decisions(tmp_path, IDS)), "--seed", "1",
                         "--out", str(tmp_path / "w.csv"))  # fmt: skip
    assert status == 1
    assert "no choice sessions" in err


def test_a_bad_decisions_row_is_reported_and_the_rest_placed(
    event_file: Path, tmp_path: Path
) -> None:
    path = decisions(tmp_path, IDS[:3], "r99,not-an-address,X,selected,4,selected")
    status, _, err = run("workshops", str(event_file), str(path), "--seed", "1",
                         "--out", str(tmp_path / "w.csv"))  # fmt: skip
    assert status == 1
    assert f"{path}:5: email" in err
    assert sorted(read_assignments_csv(tmp_path / "w.csv").rooms()) == IDS[:3]


# -- ran-events invites --groups --------------------------------------------------------------


def test_invites_with_a_workshops_file_give_each_person_their_workshop(
    event_file: Path, tmp_path: Path
) -> None:
    chosen = IDS[:6]
    path = decisions(tmp_path, chosen)
    placed = tmp_path / "workshops.csv"
    run("workshops", str(event_file), str(path), "--applications",
        str(applications(tmp_path, chosen)), "--seed", "1", "--out", str(placed))  # fmt: skip
    rooms = read_assignments_csv(placed).rooms()
    out = tmp_path / "invites"
    status, printed, err = run("invites", str(event_file), str(path), "--groups", str(placed),
                               "--out", str(out), "--now", "2024-04-02T09:00+02:00")  # fmt: skip
    assert (status, err) == (0, "")
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 6 * 3  # plenary, one workshop, closing
    for rid in chosen:
        (workshop,) = rooms[rid]
        own = f"{rid}-{workshop.replace('-', '_')}+{_digest(workshop)}.ics"
        assert sorted(n for n in written if n.startswith(f"{rid}-")) == sorted(
            [f"{rid}-plenary.ics", own, f"{rid}-closing.ics"]
        )
    assert "18 invite(s) for 6 registrant(s)" in printed


def _digest(session_id: str) -> str:
    """The hash part of a session id in a file name (ics.filename_part's rule, recomputed)."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:10]


def test_invites_warn_about_parallel_rooms_without_groups(tmp_path: Path) -> None:
    event = tmp_path / "event.toml"
    event.write_text(BREAKOUTS_TOML, encoding="utf-8")
    status, _, err = run("invites", str(event), str(decisions(tmp_path, IDS[:2])),
                         "--out", str(tmp_path / "inv"), "--now", "2023-09-07T09:00Z")  # fmt: skip
    assert status == 0
    assert "warning: sessions room-1, room-2, room-3 run in parallel and everyone gets all" in err
    assert len(list((tmp_path / "inv").iterdir())) == 2 * 4


def test_invites_report_bad_rows_of_the_groups_file(tmp_path: Path) -> None:
    event = tmp_path / "event.toml"
    event.write_text(BREAKOUTS_TOML, encoding="utf-8")
    groups = tmp_path / "groups.csv"
    groups.write_text(
        "registration_id,group,session_id,reason\nr00,1,room-1,\n,2,room-2,\nr01,2,room-9,\n",
        encoding="utf-8",
    )
    status, printed, err = run("invites", str(event), str(decisions(tmp_path, IDS[:3])),
                               "--groups", str(groups), "--out", str(tmp_path / "inv"),
                               "--now", "2023-09-07T09:00Z")  # fmt: skip
    assert status == 1
    assert f"{groups}:3: registration_id" in err
    assert "registration r01: no session 'room-9'" in err
    written = sorted(p.name for p in (tmp_path / "inv").iterdir())
    assert written == ["r00-plenary.ics", "r00-room_1+" + _digest("room-1") + ".ics",
                       "r02-plenary.ics"]  # fmt: skip
    assert "problem(s)" in printed


def test_check_warns_of_a_slot_with_too_few_places(tmp_path: Path) -> None:
    event = tmp_path / "event.toml"
    event.write_text(WORKSHOPS_TOML.replace("capacity = 40", "capacity = 50"), encoding="utf-8")
    status, _, err = run("check", str(event))
    assert status == 0
    line = WORKSHOPS_TOML.split("\n").index("capacity = 15") + 1
    assert err.startswith(f"{event}:{line}: sessions[1].capacity: warning: 45 is not valid")


def test_check_prints_each_sessions_own_place(tmp_path: Path) -> None:
    event = tmp_path / "event.toml"
    event.write_text(WORKSHOPS_TOML.replace('id = "ws-c"', 'id = "ws-c"\nstatus = "cancelled"'))
    status, printed, _ = run("check", str(event))
    assert status == 0
    lines = printed.splitlines()
    after = {lines[n - 1].split("'")[1]: line.strip() for n, line in enumerate(lines)
             if line.startswith("    room")}  # fmt: skip
    assert after == {
        "ws-a": "room Room 1 | online: WebEx https://example.webex.com/meet/ws-a | 15 places "
        "| choice in slot-1",
        "ws-b": "room Room 2 | 15 places | choice in slot-1",
        "ws-c": "room Room 3 | 15 places | choice (cancelled)",
    }


def test_a_ranking_of_an_unknown_workshop_is_reported_at_its_line(
    event_file: Path, tmp_path: Path
) -> None:
    apps = applications(tmp_path, IDS[:3])
    lines = apps.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + ",ws-a > ws-z"
    apps.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, _, err = run("workshops", str(event_file), str(decisions(tmp_path, IDS[:3])),
                         "--applications", str(apps), "--seed", "1",
                         "--out", str(tmp_path / "w.csv"))  # fmt: skip
    assert status == 0
    assert f"{apps}:3: workshops" in err
    assert "['ws-z'] not among the session ids" in err
    assert "no application for 1 selected registrant(s) (r01)" in err
