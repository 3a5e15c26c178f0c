"""``ran-events simulate EVENT APPLICATIONS --runs N``: selection probabilities per policy."""

from __future__ import annotations

import argparse
import io
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..errors import InfeasibleSelection, InvalidPolicyConfig, UnknownPolicy
from ..selection import compare, simulate
from ..selection._policy import policy_parameters
from ._base import (
    CommandError,
    Console,
    DemoState,
    UsageError,
    add_force_option,
    check_outputs,
    load_event,
    printable,
    write_atomic,
)
from .applications import report_rejects, take_in
from .select import add_time_limit_option, time_limit_of

if TYPE_CHECKING:
    from ..models import Event
    from ..selection import SimulationReport

DEMO_RUNS: Final = 200
"""Runs per policy in the demo."""

DEMO_POLICIES: Final = ("lottery", "fair-lottery")


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="simulate selection policies over many seeds",
        description=(
            "Read EVENT and APPLICATIONS (CSV) and run each policy N times with seeds derived "
            "from --seed; print per policy the smallest and largest selection probability, "
            "their Gini coefficient and, per quota value and cap, the counts selected against "
            "the bounds. The fair-lottery's probabilities are exact."
        ),
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="the event file")
    parser.add_argument(
        "applications", type=Path, metavar="APPLICATIONS", help="the applications CSV"
    )
    parser.add_argument("--runs", type=int, required=True, metavar="N", help="runs per policy")
    parser.add_argument(
        "--policy", action="append", metavar="NAME",
        help="a policy to simulate (repeat to compare; default: the event's)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, metavar="N", help="the simulation's seed (default: the event's seed)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="worker processes (default 1: in this process); the result does not depend on it",
    )  # fmt: skip
    parser.add_argument(
        "--plot", type=Path, metavar="FILE.png",
        help="draw each policy's probability distribution (needs ran-events[plot])",
    )  # fmt: skip
    parser.add_argument(
        "--allow-rejects", action="store_true",
        help="simulate even when rows of APPLICATIONS are not taken in (they are listed)",
    )  # fmt: skip
    add_time_limit_option(parser)
    add_force_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    if args.runs < 1:
        raise CommandError("--runs: a whole number >= 1")
    if args.workers < 1:
        raise CommandError("--workers: a whole number >= 1")
    if args.plot is not None:
        check_outputs([args.plot], force=args.force, option="--plot")
        _pyplot()  # fail before the work when matplotlib is missing
    event = load_event(args.event)
    intake = take_in(args.applications, event)
    if report_rejects(
        intake, args.applications, console, command="simulate", allow=args.allow_rejects
    ):
        return 1
    registrations = list(intake.accepted)
    seed = args.seed if args.seed is not None else event.selection.seed
    if seed is None:  # there is no hidden default seed
        raise CommandError(
            f"{args.event}: selection.seed: the event has no seed; give one with --seed N"
        )
    policies = args.policy or [event.selection.policy]
    limit = time_limit_of(args.time_limit)
    if limit is not None and "fair-lottery" not in policies:
        raise UsageError(
            "--time-limit: only the fair-lottery policy takes a time limit (simulated: "
            + ", ".join(policies)
            + ")"
        )
    reports = []
    executor = None
    if args.workers > 1:
        executor = ProcessPoolExecutor(args.workers)
    try:
        for name in policies:
            progress = _bar(console, name) if console.is_terminal else None
            try:
                reports.append(
                    simulate(
                        event,
                        registrations,
                        runs=args.runs,
                        seed=seed,
                        policy=name,
                        parameters=_parameters(event, name, limit),
                        executor=executor,
                        progress=progress,
                    )
                )
            except (UnknownPolicy, InvalidPolicyConfig, InfeasibleSelection) as exc:
                raise CommandError(f"{args.event}: selection: {exc}") from None
            if progress is not None:
                console.stderr.write("\n")
    finally:
        if executor is not None:
            executor.shutdown()
    for report in reports:
        print_report(report, console)
    if args.plot is not None:
        write_atomic(args.plot, plot_png(reports), private=False)  # counts, no one's data
        console.out(f"wrote {args.plot}")
    return 0


def _parameters(event: Event, name: str, limit: float | None) -> dict[str, Any] | None:
    """The policy's parameters with ``--time-limit`` for the fair lottery, else ``None``."""
    if limit is None or name != "fair-lottery":
        return None  # simulate() takes the event's when the policy is the event's
    rules = event.selection
    parameters = policy_parameters(rules.parameters) if name == rules.policy else {}
    return {**parameters, "time_limit": limit}


def _bar(console: Console, name: str) -> Any:
    def show(done: int, runs: int) -> None:
        width = 30
        filled = width * done // runs
        console.stderr.write(
            f"\r{printable(name):<14} [{'#' * filled}{'.' * (width - filled)}] {done}/{runs}"
        )
        console.stderr.flush()

    return show


def print_report(report: SimulationReport, console: Console) -> None:
    """The summary of one policy: probabilities, then each quota value and cap."""
    kind = "exact" if any(e.exact for e in report.estimates) else f"{report.runs} runs"
    console.out(f"Policy {report.policy} ({kind}, seed {report.seed}):")
    if report.stopped:
        console.out(
            f"  {report.objective}: the smallest probabilities are those of the levels "
            "reached; the others are not LEXIMIN-optimal"
        )
    console.out(
        f"  probability: min {report.minimum:.4f}, max {report.maximum:.4f}, "
        f"Gini {report.gini:.3f} over {len(report.estimates)} eligible applicants"
    )
    if report.excluded:
        console.out(f"  {len(report.excluded)} applicant(s) in no valid selection")
    console.out(f"  {'constraint':<28} {'bounds':>8} {'mean':>7} {'range':>9} {'in bounds':>10}")
    for value in report.values:
        runs = sum(value.counts.values())
        inside = sum(
            n
            for c, n in value.counts.items()
            if c >= value.min and (value.max is None or c <= value.max)
        )
        low, high = min(value.counts, default=0), max(value.counts, default=0)
        share = f"{100 * inside / runs:.1f}%" if runs else "-"
        console.out(
            f"  {value.label[:28]:<28} {value.bounds:>8} {value.mean:>7.2f} "
            f"{f'{low}..{high}':>9} {share:>10}"
        )
    console.out("")


def _pyplot() -> Any:
    try:
        import matplotlib  # noqa: PLC0415 - an optional extra, and slow to import

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415 - after choosing the Agg backend
    except ImportError:
        raise CommandError("--plot needs matplotlib: pip install 'ran-events[plot]'") from None
    return plt


def plot_png(reports: list[SimulationReport]) -> bytes:
    """A PNG with one histogram of selection probabilities per report.

    Raises:
        CommandError: matplotlib is not installed.
    """
    plt = _pyplot()
    figure, axes = plt.subplots(len(reports), 1, figsize=(7, 2.6 * len(reports)), squeeze=False)
    for axis, report in zip(axes[:, 0], reports, strict=True):
        axis.hist([e.probability for e in report.estimates], bins=40, color="#3a6ea5")
        axis.set_title(
            f"{report.policy}: min {report.minimum:.3f}, max {report.maximum:.3f}, "
            f"Gini {report.gini:.3f}"
        )
        axis.set_xlabel("selection probability")
        axis.set_ylabel("applicants")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def demo(state: DemoState, console: Console) -> None:
    """``lottery`` against ``fair-lottery`` on the demo's pool."""
    console.out("")
    console.out("== Simulation ==")
    registrations = state.pool()
    reports = compare(
        state.event,
        registrations,
        DEMO_POLICIES,
        runs=DEMO_RUNS,
        seed=state.event.selection.seed if state.event.selection.seed is not None else state.seed,
    )
    state.results["simulation"] = reports
    for report in reports:
        print_report(report, console)
