"""``ran-events groups --db`` and ``workshops --db``: the selected read from the store, the
assignment kept there as a version, ``status`` showing its sizes (issue 15).

Every test runs on a SQLite file and on a PostgreSQL database (``store_location``: skipped
without a server, failed under CI).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from tests.test_cli_applications import run
from tests.test_cli_workshops import applications as ranked_applications
from tests.workshop_events import WORKSHOPS_TOML

from ran_events import eventfile
from ran_events.examples import synthetic_applicants, webinar
from ran_events.groups import read_assignments_csv
from ran_events.intake import csv_text
from ran_events.models import RegistrationStatus
from ran_events.store import open_store

AFTER = "2023-09-07T10:00+02:00"
"""After the webinar's registration deadline."""
LATER = "2023-09-08T10:00+02:00"


@pytest.fixture
def selected_db(store_location: str, tmp_path: Path) -> tuple[str, Path]:
    """A store holding the webinar's 200 applications, 30 of them selected; the event file."""
    event = tmp_path / "event.toml"
    eventfile.dump(webinar(), event)
    pool = tmp_path / "applications.csv"
    pool.write_text(csv_text(synthetic_applicants(200, seed=4)), encoding="utf-8")
    db = store_location
    assert run("applications", str(event), str(pool), "--db", db)[0] == 0
    status, _, err = run("select", str(event), "--db", db, "--now", AFTER)
    assert status == 0, err
    return db, event


def _selected(db: str) -> set[str]:
    with open_store(db) as store:
        return {
            r.id for r in store.backend(webinar().id) if r.status is RegistrationStatus.SELECTED
        }


def test_groups_from_the_store_are_kept_and_a_rerun_is_the_same_version(
    selected_db: tuple[str, Path], tmp_path: Path
) -> None:
    db, event = selected_db
    out = tmp_path / "groups.csv"
    status, printed, err = run(
        "groups", str(event), "--db", db, "--size", "6", "--now", LATER, "--out", str(out)
    )
    assert (status, err) == (0, "")
    assert printed.splitlines()[-1] == (
        f"stored groups assignment version 1 (30 placement(s)) in {db}"
    )
    with open_store(db) as store:
        kept = store.assignments(webinar().id)
    assert {a.registration_id for a in kept} == _selected(db)
    assert Counter(a.group for a in kept) == dict.fromkeys("12345", 6)
    assert {(a.kind, a.version, a.by) for a in kept} == {("groups", 1, "ran-events groups")}
    written = read_assignments_csv(out)  # --out still written, the same rows
    assert [(r.registration_id, r.group, r.session_id, r.reason) for r in written] == [
        (a.registration_id, a.group, a.session_id, a.reason) for a in kept
    ]
    # The same seed and the same selected: the same assignment, not a new version.
    status, printed, err = run("groups", webinar().id, "--db", db, "--size", "6")
    assert (status, err) == (0, "")
    assert printed.splitlines()[-1] == (
        f"groups assignment unchanged: the same as the stored version 1 in {db}"
    )
    status, printed, _ = run("groups", webinar().id, "--db", db, "--size", "6", "--seed", "9")
    assert status == 0
    assert printed.splitlines()[-1].startswith("stored groups assignment version 2 ")
    with open_store(db) as store:
        assert store.assignments(webinar().id, "groups", version=1) == kept
        assert {a.version for a in store.assignments(webinar().id)} == {2}


def test_status_shows_the_stored_assignments_sizes(selected_db: tuple[str, Path]) -> None:
    db, event = selected_db
    status, printed, _ = run("status", str(event), "--db", db, "--now", LATER)
    assert status == 0
    assert "groups version" not in printed  # none stored yet
    assert run("groups", str(event), "--db", db, "--groups", "4", "--now", LATER)[0] == 0
    status, printed, _ = run("status", str(event), "--db", db, "--now", LATER)
    assert status == 0
    with open_store(db) as store:
        sizes = Counter(a.group for a in store.assignments(webinar().id))
    assert sorted(sizes.values()) == [7, 7, 8, 8]
    (line,) = [x for x in printed.splitlines() if x.startswith("  groups version")]
    assert line == (
        "  groups version 1 at 2023-09-08T10:00:00+02:00: 30 placement(s); sizes: "
        + ", ".join(f"{g} {sizes[g]}" for g in "1234")
    )
    status, printed, _ = run("status", str(event), "--db", db, "--now", LATER, "--json")
    kept = json.loads(printed)["assignments"]
    assert kept == {
        "groups": {
            "version": 1,
            "at": "2023-09-08T10:00:00+02:00",
            "by": "ran-events groups",
            "placements": 30,
            "sizes": {g: sizes[g] for g in "1234"},
        }
    }


def test_workshops_from_the_store_use_the_stored_rankings(
    store_location: str, tmp_path: Path
) -> None:
    event = tmp_path / "event.toml"
    event.write_text(WORKSHOPS_TOML, encoding="utf-8")
    ids = [f"r{n:02}" for n in range(40)]
    pool = ranked_applications(tmp_path, ids)
    db = store_location
    assert run("applications", str(event), str(pool), "--db", db)[0] == 0
    now = "2024-04-02T10:00+02:00"
    assert run("select", str(event), "--db", db, "--seed", "3", "--now", now)[0] == 0
    from_files = tmp_path / "from-files.csv"  # the file form on the same applications
    decisions = tmp_path / "decisions.csv"
    with open_store(db) as store:
        placed = [r.id for r in store.backend("ran-families-2024")]
    decisions.write_text(
        "registration_id,email,name,outcome,rank,reason\n"
        + "".join(f"{i},{i}@example.org,P,selected,{n},s\n" for n, i in enumerate(placed, 1)),
        encoding="utf-8",
    )
    assert run(
        "workshops", str(event), str(decisions), "--applications", str(pool), "--seed", "7",
        "--out", str(from_files),
    )[0] == 0  # fmt: skip
    status, printed, err = run(
        "workshops", str(event), "--db", db, "--seed", "7", "--now", now, "--by", "anna"
    )
    assert (status, err) == (0, "")
    assert printed.splitlines()[0].startswith("Workshops of ran-families-2024 (total score ")
    assert printed.splitlines()[-1] == (
        f"stored workshops assignment version 1 (40 placement(s)) in {db}"
    )
    with open_store(db) as store:
        kept = store.assignments("ran-families-2024", "workshops")
    assert {(a.version, a.by) for a in kept} == {(1, "anna")}
    expected = {(r.registration_id, r.session_id) for r in read_assignments_csv(from_files)}
    assert {(a.registration_id, a.session_id) for a in kept} == expected  # the rankings read
    status, printed, _ = run("workshops", str(event), "--db", db, "--seed", "7", "--now", now)
    assert (status, printed.splitlines()[-1]) == (
        0,
        f"workshops assignment unchanged: the same as the stored version 1 in {db}",
    )
    status, printed, _ = run("status", "ran-families-2024", "--db", db, "--now", now)
    (line,) = [x for x in printed.splitlines() if x.startswith("  workshops version")]
    sizes = Counter(a.session_id for a in kept)
    assert line.endswith(
        "40 placement(s); sizes: " + ", ".join(f"{s} {n}" for s, n in sizes.items())
    )


@pytest.mark.parametrize("command", ["groups", "workshops"])
def test_the_store_and_the_files_are_not_mixed(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAN_EVENTS_DB", raising=False)
    db = str(tmp_path / "ran.sqlite")
    size = ["--size", "6"] if command == "groups" else []
    cases = {
        ("e.toml", "d.csv", "--db", db, "--out", "g.csv"): "give DECISIONS or --db, not both",
        ("e.toml", "--out", "g.csv"): "give DECISIONS, or --db PATH_OR_URL",
        ("e.toml", "--db", db, "--applications", "a.csv"): "--applications: not with --db",
        ("e.toml", "d.csv", "--applications", "a.csv"): "--out: needed without --db",
    }
    for argv, message in cases.items():
        status, _, err = run(command, *argv, *size)
        assert (status, message in err) == (2, True), (argv, err)


def test_groups_from_files_still_need_the_applications(tmp_path: Path) -> None:
    status, _, err = run("groups", "e.toml", "d.csv", "--size", "6", "--out", "g.csv")
    assert status == 2
    assert "--applications: needed with DECISIONS" in err


def test_a_store_without_selected_registrations_says_so(
    store_location: str, tmp_path: Path
) -> None:
    event = tmp_path / "event.toml"
    eventfile.dump(webinar(), event)
    pool = tmp_path / "applications.csv"
    pool.write_text(csv_text(synthetic_applicants(20, seed=4)), encoding="utf-8")
    assert run("applications", str(event), str(pool), "--db", store_location)[0] == 0
    status, _, err = run("groups", str(event), "--db", store_location, "--size", "6")
    assert status == 1
    assert f"no selected registration of {webinar().id} to place" in err
    status, _, err = run("groups", "no-such-event", "--db", store_location, "--size", "6")
    assert status == 1
    assert "the store holds no event 'no-such-event'" in err
