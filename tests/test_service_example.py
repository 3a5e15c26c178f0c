"""The registration service of docs/storing.md (examples/service/app.py), through Flask's
test client, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask

from ran_events import eventfile
from ran_events.examples import webinar
from ran_events.intake import registration_id

ROOT = Path(__file__).resolve().parent.parent
OPEN = dt.datetime(2023, 8, 20, 9, 0, tzinfo=dt.UTC)
"""A time inside the webinar's registration window."""
ANSWERS: dict[str, Any] = {
    "motivation": "I work with young people at risk.",
    "experience": 5,
    "casework": False,
    "gender": "female",
    "topics": ["psychosis", "substance-use"],
}


def _service() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ran_events_service_example", ROOT / "examples" / "service" / "app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


service = _service()


class Clock:
    """The service's clock: each thread may set its own time."""

    def __init__(self) -> None:
        self.local = threading.local()

    def set(self, at: dt.datetime) -> None:
        self.local.at = at

    def __call__(self) -> dt.datetime:
        return getattr(self.local, "at", OPEN)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(store_location: str, tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    event_file = tmp_path / "event.toml"
    event_file.write_text(eventfile.dumps(webinar()), encoding="utf-8")
    created: Flask = service.create_app(str(event_file), store_location, clock=clock)
    yield created
    created.extensions["ran_events.store"].close()


def application(email: str = "anna@example.org", **more: Any) -> dict[str, Any]:
    return {
        "email": email,
        "name": "Anna Peeters",
        "organisation": "Police BE",
        "country": "BE",
        "role": "police",
        "answers": ANSWERS,
        **more,
    }


def test_register_show_and_withdraw(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    answer = client.post("/registrations", json=application())
    assert answer.status_code == 201
    held = answer.get_json()
    assert (held["status"], held["submitted_at"]) == ("submitted", OPEN.isoformat())
    assert client.get(f"/registrations/{held['id']}").get_json() == held
    clock.set(OPEN + dt.timedelta(days=1))
    withdrawn = client.post(f"/registrations/{held['id']}/withdraw")
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["history"] == [
        {"from": "submitted", "to": "withdrawn", "at": (OPEN + dt.timedelta(days=1)).isoformat()}
    ]
    again = client.post(f"/registrations/{held['id']}/withdraw")
    assert (again.status_code, again.get_json()["error"]) == (409, "IllegalTransition")
    assert client.get("/status").get_json() == {
        "event": "ran-mh-pcve-2023",
        "registrations": 1,
        "withdrawn": 1,
    }


def test_bad_requests_say_why(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    answer = client.post("/registrations", json=application(email="not-an-address"))
    assert (answer.status_code, answer.get_json()["error"]) == (422, "InvalidEmail")
    answer = client.post("/registrations", json=application(answers={"experience": "lots"}))
    assert (answer.status_code, answer.get_json()["error"]) == (422, "InvalidAnswers")
    answer = client.post("/registrations", data="email=a@example.org")
    assert answer.status_code == 400
    clock.set(dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC))
    answer = client.post("/registrations", json=application())
    assert (answer.status_code, answer.get_json()["error"]) == (409, "RegistrationClosed")
    for path in ("/registrations/r-none", "/registrations/r-none/withdraw"):
        answer = client.get(path) if "withdraw" not in path else client.post(path)
        assert (answer.status_code, answer.get_json()["error"]) == (404, "UnknownRegistration")


def test_threads_applying_with_one_address_keep_the_latest(app: Flask, clock: Clock) -> None:
    """The issue's trial: 8 threads register one address; the latest application wins."""
    times = [OPEN + dt.timedelta(minutes=m) for m in (3, 7, 1, 6, 0, 5, 2, 4)]
    answers: list[int] = []

    def apply(at: dt.datetime) -> None:
        clock.set(at)
        answer = app.test_client().post("/registrations", json=application(name=f"At {at:%M}"))
        answers.append(answer.status_code)

    threads = [threading.Thread(target=apply, args=(at,)) for at in times]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [201] * 8
    client = app.test_client()
    assert client.get("/status").get_json()["registrations"] == 1
    held = client.get(f"/registrations/{registration_id(webinar().id, 'anna@example.org')}")
    assert held.get_json()["submitted_at"] == max(times).isoformat()
