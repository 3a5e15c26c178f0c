"""``ran-events simulate EVENT APPLICATIONS --runs N``: selection probabilities per policy."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..errors import (
    InfeasibleSelection,
    InvalidPolicyConfig,
    InvalidValue,
    MissingExtra,
    PoliciesFileError,
    UnknownPolicy,
)
from ..selection import ConfiguredPolicy, compare, load_policies, parse_policy_option
from ..selection._policy import policy_parameters
from ..selection._tables import pyplot
from ._base import (
    CommandError,
    Console,
    DemoState,
    InputError,
    UsageError,
    add_force_option,
    check_outputs,
    load_event,
    printable,
)
from .applications import report_rejects, take_in
from .select import add_time_limit_option, time_limit_of

if TYPE_CHECKING:
    from ..models import Event
    from ..selection import Comparison, SimulationReport, ValueCounts

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
        "--policy", action="append", dest="configurations", type=_tagged("policy"),
        metavar="NAME[:KEY=VALUE,...]",
        help="a policy to simulate, with parameters (e.g. score:weights.experience=1); repeat "
        "to compare (default: the event's)",
    )  # fmt: skip
    parser.add_argument(
        "--policies", action="append", dest="configurations", type=_tagged("policies"),
        metavar="FILE.toml",
        help="labelled policy configurations to compare, one table per label (with --policy: "
        "in the order given)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, metavar="N", help="the simulation's seed (default: the event's seed)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="worker processes (default 1: in this process); the result does not depend on it",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, metavar="FILE.csv",
        help="write one row per applicant and policy (CSV; JSON lines if FILE ends in .jsonl)",
    )  # fmt: skip
    parser.add_argument(
        "--json", action="store_true",
        help="print the summaries as JSON (per policy, per constraint, per group of --by)",
    )  # fmt: skip
    parser.add_argument(
        "--plot", type=Path, metavar="FILE.png",
        help="draw the probabilities, sorted, and per group of --by (needs ran-events[plot])",
    )  # fmt: skip
    parser.add_argument(
        "--by",
        metavar="ATTRIBUTE",
        help="the quota or cap attribute to group by (default: the first quota's)",
    )
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
    configured = _configured(args)
    outputs = [(p, o) for p, o in ((args.out, "--out"), (args.plot, "--plot")) if p is not None]
    for path, option in outputs:
        check_outputs([path], force=args.force, option=option)
    if args.plot is not None:
        _pyplot()  # fail before the work when matplotlib is missing
    event = load_event(args.event)
    _check_by(args.by, [*event.selection.quotas, *event.selection.caps])  # before the work
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
    entries = _with_time_limit(event, configured, time_limit_of(args.time_limit))
    executor = None
    if args.workers > 1:
        executor = ProcessPoolExecutor(args.workers)
    shown: list[str] = []

    def progress(label: str, done: int, runs: int) -> None:
        if label not in shown:
            if shown:
                console.stderr.write("\n")
            shown.append(label)
        _bar(console, label)(done, runs)

    try:
        reports = compare(
            event,
            registrations,
            entries,
            runs=args.runs,
            seed=seed,
            executor=executor,
            progress=progress if console.is_terminal else None,
        )
    except (UnknownPolicy, InvalidPolicyConfig, InfeasibleSelection) as exc:
        raise CommandError(f"{args.event}: selection: {exc}") from None
    finally:
        if executor is not None:
            executor.shutdown()
    if shown:
        console.stderr.write("\n")
    by = _by(args.by, reports)
    say = console.err if args.json else console.out  # stdout holds only the JSON
    if args.json:
        console.out(json.dumps(summaries(reports, by), ensure_ascii=False, indent=2))
    else:
        for report in reports:
            print_report(report, console)
    if args.out is not None:
        if args.out.suffix.lower() == ".jsonl":
            reports.to_jsonl(args.out)
        else:
            reports.to_csv(args.out)
        say(f"wrote {args.out}")
    if args.plot is not None:
        reports.plot(args.plot, by=by)
        say(f"wrote {args.plot}")
    return 0


def _with_time_limit(
    event: Event, configured: list[ConfiguredPolicy], limit: float | None
) -> list[ConfiguredPolicy | str]:
    """The policies to compare, the fair lottery's with ``--time-limit`` when given.

    Raises:
        UsageError: a time limit while no policy compared is the fair lottery.
    """
    entries: list[ConfiguredPolicy | str] = [*configured] or [event.selection.policy]
    if limit is None:
        return entries
    fair = "fair-lottery"
    names = [e if isinstance(e, str) else e.policy for e in entries]
    if fair not in names:
        shown = ", ".join(n if isinstance(n, str) else n.name for n in names)
        raise UsageError(
            f"--time-limit: only the fair-lottery policy takes a time limit (simulated: {shown})"
        )
    limited: list[ConfiguredPolicy | str] = []
    for entry in entries:
        name = entry if isinstance(entry, str) else entry.policy
        if name != fair:
            limited.append(entry)
            continue
        if isinstance(entry, str) or entry.parameters is None:
            rules = event.selection
            base = policy_parameters(rules.parameters) if rules.policy == fair else {}
        else:
            base = dict(entry.parameters)
        label = fair if isinstance(entry, str) else entry.label
        limited.append(
            ConfiguredPolicy(label=label, policy=fair, parameters={**base, "time_limit": limit})
        )
    return limited


def _tagged(option: str) -> Callable[[str], tuple[str, str]]:
    """An argparse type that keeps which option gave the value, so that ``--policy`` and
    ``--policies`` share one list in command-line order."""

    def tag(text: str) -> tuple[str, str]:
        return option, text

    return tag


def _configured(args: argparse.Namespace) -> list[ConfiguredPolicy]:
    """The policies of ``--policy`` options and ``--policies`` files, in the order given."""
    configured = []
    for option, text in args.configurations or []:
        if option == "policy":
            try:
                configured.append(parse_policy_option(text))
            except InvalidValue as exc:
                raise CommandError(str(exc)) from None
            continue
        try:
            configured.extend(load_policies(text))
        except PoliciesFileError as exc:
            raise CommandError("\n".join(p.format(text) for p in exc.problems)) from None
        except OSError as exc:
            raise InputError(
                text, f"cannot read the policies file ({exc.strerror or exc})"
            ) from None
    labels = [c.label for c in configured]
    for label in labels:
        if labels.count(label) > 1:
            raise CommandError(f"--policy/--policies: the label {label!r} is given twice")
    return configured


def _check_by(attribute: str | None, known: list[str]) -> None:
    """``--by`` names a quota or cap attribute of the event."""
    if attribute is not None and attribute not in known:
        raise CommandError(
            f"--by: {attribute!r} is not a quota or cap attribute of the event "
            f"(those are: {', '.join(sorted(known)) or 'none'})"
        )


def _by(attribute: str | None, reports: Comparison) -> str | None:
    """``--by``; default: the first quota's attribute (``None``: no quota)."""
    if attribute is None:
        return next((v.attribute for v in reports[0].values if v.kind == "quota"), None)
    return attribute


def _bar(console: Console, name: str) -> Any:
    def show(done: int, runs: int) -> None:
        width = 30
        filled = width * done // runs
        console.stderr.write(
            f"\r{printable(name):<14} [{'#' * filled}{'.' * (width - filled)}] {done}/{runs}"
        )
        console.stderr.flush()

    return show


def _in_bounds(value: ValueCounts) -> tuple[int, int]:
    """(runs within the bounds, runs)."""
    runs = sum(value.counts.values())
    inside = sum(
        n
        for c, n in value.counts.items()
        if c >= value.min and (value.max is None or c <= value.max)
    )
    return inside, runs


def print_report(report: SimulationReport, console: Console) -> None:
    """The summary of one policy: probabilities, then each quota value and cap."""
    estimates = report.estimates.values()
    kind = "exact" if any(e.exact for e in estimates) else f"{report.runs} runs"
    if report.label != report.policy:
        kind = f"{report.policy}, {kind}"
    console.out(f"Policy {printable(report.label)} ({kind}, seed {report.seed}):")
    if report.stopped:
        console.out(
            f"  {report.objective}: the smallest probabilities are those of the levels "
            "reached; the others are not LEXIMIN-optimal"
        )
    console.out(
        f"  probability: min {report.minimum:.4f}, max {report.maximum:.4f}, "
        f"Gini {report.gini:.3f} over {len(estimates)} eligible applicants"
    )
    if report.excluded:
        console.out(f"  {len(report.excluded)} applicant(s) in no valid selection")
    console.out(f"  {'constraint':<28} {'bounds':>8} {'mean':>7} {'range':>9} {'in bounds':>10}")
    for value in report.values:
        inside, runs = _in_bounds(value)
        low, high = min(value.counts, default=0), max(value.counts, default=0)
        share = f"{100 * inside / runs:.1f}%" if runs else "-"
        console.out(
            f"  {value.label[:28]:<28} {value.bounds:>8} {value.mean:>7.2f} "
            f"{f'{low}..{high}':>9} {share:>10}"
        )
    console.out("")


def summaries(reports: Comparison, by: str | None) -> dict[str, Any]:
    """What ``--json`` prints: per policy its summary, constraints and groups of ``by``."""
    groups = reports.by(by) if by is not None else []
    policies = []
    for report in reports:
        estimates = report.estimates.values()
        constraints = []
        for value in report.values:
            inside, runs = _in_bounds(value)
            constraints.append(
                {
                    "constraint": value.label,
                    "bounds": value.bounds,
                    "mean": value.mean,
                    "min": min(value.counts, default=0),
                    "max": max(value.counts, default=0),
                    "in_bounds": inside / runs if runs else None,
                }
            )
        policies.append(
            {
                "label": report.label,
                "policy": report.policy,
                "parameters": dict(report.parameters),
                "runs": report.runs,
                "seed": report.seed,
                "exact": any(e.exact for e in estimates),
                "applicants": len(estimates),
                "excluded": len(report.excluded),
                "minimum": report.minimum,
                "maximum": report.maximum,
                "gini": report.gini,
                "constraints": constraints,
                "groups": [
                    {k: v for k, v in g.as_dict().items() if k != "policy"}
                    for g in groups
                    if g.policy == report.label
                ],
            }
        )
    return {"event": reports[0].event_id, "by": by, "policies": policies}


def _pyplot() -> Any:
    try:
        return pyplot()
    except MissingExtra:
        raise CommandError("--plot needs matplotlib: pip install 'ran-events[plot]'") from None


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
