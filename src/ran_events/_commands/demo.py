"""``ran-events demo``: the embedded webinar end to end."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from .. import eventfile, examples
from . import applications, groups, ics, invites, select, simulate
from ._base import (
    Console,
    DemoState,
    UsageError,
    add_force_option,
    check_folder,
    clear_stale_temporaries,
)
from ._schedule import print_schedule

DEMO_MARK: Final = ".ran-events-demo"
"""The file that marks a folder as written by ``ran-events demo`` (which may replace it)."""

DEMO_ZONES: Final = (
    "Europe/Brussels",
    "Europe/Lisbon",
    "Europe/Helsinki",
    "UTC",
    "America/New_York",
)

STEPS: Final[tuple[ModuleType, ...]] = (applications, select, simulate, groups, ics, invites)
"""The subcommand modules whose ``demo`` step runs after the demo's own, in this order."""


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the embedded example (the webinar of 20 September 2023) end to end",
        description=(
            "Load the embedded webinar, print its schedule in several zones and run every "
            "step of the library on a seeded synthetic pool of applicants, writing the files "
            "into DIR. DIR must be new, empty or an earlier demo's folder (whose files are "
            "replaced: the demo writes the same files every time); any other folder is "
            "refused unless --force."
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
    add_force_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    out = Path(args.out)
    check_demo_folder(out, force=args.force)
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARK).write_text("written by ran-events demo; it may replace these files\n")
    for folder in (out, out / "invites"):
        clear_stale_temporaries(folder)  # the demo's own folders: any left by a killed run
    state = DemoState(
        event=examples.webinar(),
        out_dir=out,
        applicants=args.applicants,
        seed=args.seed,
    )
    demo(state, console)
    for module in STEPS:
        module.demo(state, console)
    console.out(f"\nFiles written to {state.out_dir}/")
    return 0


def check_demo_folder(out: Path, *, force: bool) -> None:
    """Check that the demo may write into ``out``: new, empty, an earlier demo's, or forced.

    Raises:
        UsageError: ``out`` is not a folder (or cannot be made one), or holds files the
            demo did not write and ``force`` is false.
    """
    check_folder(out, "--out")
    if force or not out.is_dir() or (out / DEMO_MARK).exists() or not any(out.iterdir()):
        return
    raise UsageError(
        f"--out {out}: the folder holds files not written by ran-events demo; give a new "
        "folder, or --force to write into it anyway (files with the demo's names are replaced)"
    )


def demo(state: DemoState, console: Console) -> None:
    """The first step: the event's schedule in five zones, and its event file."""
    console.out("== The event ==")
    print_schedule(state.event, DEMO_ZONES, console)
    path = state.out_dir / "event.toml"
    eventfile.dump(state.event, path)
    console.out(f"  wrote {path}")
