"""``ran-events status EVENT --db STORE``: where an event stands in a store."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from ._base import Console, add_now_option, now_of
from ._stored import add_db_option, opened, required_db, shown_location, stored_event

if TYPE_CHECKING:
    import datetime

    from ..models import Event, Registration
    from ..store import Offer, Store, StoredAssignment


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="counts per status and per quota value, and the open offers, from a store",
        description=(
            "Print how many registrations of EVENT (its file, or its id in the store) the "
            "store holds in each status, the same per value of every attribute the event's "
            "quotas count, the selections stored, the sizes of the stored small groups' and "
            "workshops' assignments, and the offers open now. "
            "--json prints one JSON object for machines."
        ),
    )
    parser.add_argument("event", metavar="EVENT", help="the event file, or the event's id")
    add_db_option(parser, "the store")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_now_option(parser, "the time at which offers are judged open")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    location = required_db(args, "status")
    now = now_of(args)
    with opened(location) as store:
        event = stored_event(store, args.event)
        status = event_status(store, event, now=now)
    status["store"] = shown_location(location)
    if args.json:
        console.out(json.dumps(status, indent=2, ensure_ascii=False))
    else:
        print_status(status, console)
    return 0


def _attributes(event: Event) -> list[str]:
    """The attributes the event's quotas count (a cap's values, such as every organisation,
    are too many to list)."""
    return list(event.selection.quotas)


def _counts(registrations: list[Registration], attribute: str) -> dict[str, dict[str, int]]:
    """value -> status -> count, values most frequent first (no value: ``""``)."""
    pairs = Counter((r.value_of(attribute) or "", r.status.value) for r in registrations)
    totals = Counter(r.value_of(attribute) or "" for r in registrations)
    return {
        value: {s: n for (v, s), n in sorted(pairs.items()) if v == value}
        for value, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    }


def _offer(offer: Offer) -> dict[str, str | int]:
    return {
        "id": offer.id,
        "registration_id": offer.registration_id,
        "offered_at": offer.at.isoformat(),
        "deadline": offer.deadline.isoformat(),
    }


def _assignment(rows: list[StoredAssignment]) -> dict[str, Any]:
    """One kind's latest version: its number, when, by whom, and each room's size (a small
    group by its label, a workshop by its session), in the order stored."""
    sizes = Counter(
        r.session_id if r.kind == "workshops" and r.session_id else r.group for r in rows
    )
    return {
        "version": rows[0].version,
        "at": rows[0].at.isoformat(),
        "by": rows[0].by,
        "placements": len(rows),
        "sizes": dict(sizes),
    }


def event_status(store: Store, event: Event, *, now: datetime.datetime) -> dict[str, Any]:
    """The event's state in the store, as JSON-ready data."""
    registrations = list(store.backend(event.id))
    by_status = Counter(r.status.value for r in registrations)
    selections = store.selections(event.id)
    assignments = store.assignments(event.id)
    return {
        "event": event.id,
        "registrations": len(registrations),
        "by_status": dict(sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_attribute": {a: _counts(registrations, a) for a in _attributes(event)},
        "selections": [
            {"id": s.id, "at": s.at.isoformat(), "policy": s.policy, "seed": s.seed}
            for s in selections
        ],
        "assignments": {
            kind: _assignment(rows)
            for kind in ("groups", "workshops")
            if (rows := [a for a in assignments if a.kind == kind])
        },
        "open_offers": [_offer(o) for o in store.offers(event.id, open_at=now)],
        "at": now.isoformat(),
    }


def print_status(status: dict[str, Any], console: Console) -> None:
    """The status as text: one line per status, per attribute value, per offer."""
    console.out(
        f"{status['event']} in {status['store']}: {status['registrations']} registration(s)"
    )
    shown = ", ".join(f"{s} {n}" for s, n in status["by_status"].items())
    console.out(f"  by status: {shown or '-'}")
    for attribute, values in status["by_attribute"].items():
        console.out(f"  by {attribute}:")
        for value, counts in values.items():
            line = ", ".join(f"{s} {n}" for s, n in counts.items())
            console.out(f"    {value or '(none)'}: {line}")
    for selection in status["selections"]:
        seed = "" if selection["seed"] is None else f", seed {selection['seed']}"
        console.out(
            f"  selection #{selection['id']} at {selection['at']}: {selection['policy']}{seed}"
        )
    for kind, kept in status["assignments"].items():
        sizes = ", ".join(f"{room} {n}" for room, n in kept["sizes"].items())
        console.out(
            f"  {kind} version {kept['version']} at {kept['at']}: {kept['placements']} "
            f"placement(s); sizes: {sizes}"
        )
    offers = status["open_offers"]
    console.out(f"  open offers at {status['at']}: {len(offers) or 'none'}")
    for offer in offers:
        console.out(f"    #{offer['id']} {offer['registration_id']} until {offer['deadline']}")
