"""``ran-events demo``: the embedded webinar end to end."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Final

from .. import examples
from ..serialization import event_to_toml
from ._base import Console, DemoState, write_atomic
from ._schedule import print_schedule

DEMO_ZONES: Final = (
    "Europe/Brussels",
    "Europe/Lisbon",
    "Europe/Helsinki",
    "UTC",
    "America/New_York",
)


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the embedded example (the webinar of 20 September 2023) end to end",
        description=(
            "Load the embedded webinar, print its schedule in several zones and run every "
            "step of the library on a seeded synthetic pool of applicants, writing the files "
            "into DIR."
        ),
    )
    parser.add_argument(
        "--out", type=Path, default=Path("ran-events-demo"), metavar="DIR",
        help="where to write the demo's files (default: ./ran-events-demo)",
    )  # fmt: skip
    parser.add_argument(
        "--applicants", type=int, default=400, metavar="N",
        help="size of the synthetic applicant pool (default: 400)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=2023, help="seed of the synthetic pool")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from ..cli import demo_modules  # noqa: PLC0415 - the steps are assembled by the cli

    state = DemoState(
        event=examples.webinar(),
        out_dir=Path(args.out),
        applicants=args.applicants,
        seed=args.seed,
    )
    for module in demo_modules():
        module.demo(state, console)
    console.out(f"\nFiles written to {state.out_dir}/")
    return 0


def demo(state: DemoState, console: Console) -> None:
    """The first step: the event's schedule in five zones, and its event file."""
    console.out("== The event ==")
    print_schedule(state.event, DEMO_ZONES, console)
    path = state.out_dir / "event.toml"
    write_atomic(path, event_to_toml(state.event))
    console.out(f"  wrote {path}")
