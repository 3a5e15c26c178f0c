"""Simulation results as data: one row per applicant and policy, group summaries, a picture.

:class:`Results` gives :class:`~ran_events.selection.SimulationReport` (one policy) and
:class:`~ran_events.selection.Comparison` (several labelled policies) the same methods:
:meth:`~Results.rows`, :meth:`~Results.to_csv`, :meth:`~Results.to_jsonl`,
:meth:`~Results.to_pandas`, :meth:`~Results.to_polars`, :meth:`~Results.by` and
:meth:`~Results.plot`. A row carries the applicant's values of the quota and cap attributes,
so a table or a chart per group needs no join with the applications.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

import attrs

from ran_events._atomic import write_atomic
from ran_events._spreadsheet import neutralise
from ran_events.errors import InvalidValue, MissingExtra


class SimulationReport(Protocol):
    """What the table methods read of a report (:class:`~ran_events.selection.SimulationReport`
    has it; a protocol here, so that this module does not import the one that uses it)."""

    @property
    def label(self) -> str: ...
    @property
    def runs(self) -> int: ...
    @property
    def estimates(self) -> Mapping[str, Any]: ...
    @property
    def attributes(self) -> tuple[str, ...]: ...
    @property
    def values(self) -> tuple[Any, ...]: ...


__all__ = ["COLUMNS", "GroupSummary", "ProbabilityRow", "Results"]

COLUMNS: Final = ("registration_id", "policy", "probability", "low", "high", "runs", "exact")
"""The columns of every row, before the quota and cap attributes."""

PLOT_SIZE: Final = (7.0, 4.2)
"""The probability panel's size in inches (at :data:`PLOT_DPI`); the group panel adds 4.5."""

PLOT_DPI: Final = 100


def _text_mapping(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


@attrs.frozen(kw_only=True)
class ProbabilityRow:
    """One applicant under one policy: a plain record for tables.

    Attributes:
        registration_id: the registration.
        policy: the policy's label in the report (its name unless labelled).
        probability: the estimated (or exact) selection probability.
        low: the lower end of the report's confidence interval (Jeffreys or Wilson, as the
            report was computed; ``probability`` when exact).
        high: the upper end.
        runs: the simulation's runs.
        exact: whether ``probability`` is exact (the fair lottery).
        attributes: the applicant's value of every quota and cap attribute (``""``: none).
    """

    registration_id: str
    policy: str
    probability: float
    low: float
    high: float
    runs: int
    exact: bool = False
    attributes: Mapping[str, str] = attrs.field(
        factory=dict, converter=_text_mapping, hash=False
    )  # a dict: hashed by the other fields

    def as_dict(self) -> dict[str, Any]:
        """The row as one flat dict: :data:`COLUMNS`, then one key per attribute (an
        attribute named like a column is keyed ``attributes.NAME``)."""
        row: dict[str, Any] = {
            "registration_id": self.registration_id,
            "policy": self.policy,
            "probability": self.probability,
            "low": self.low,
            "high": self.high,
            "runs": self.runs,
            "exact": self.exact,
        }
        for name, value in self.attributes.items():
            row[f"attributes.{name}" if name in row else name] = value
        return row


@attrs.frozen(kw_only=True)
class GroupSummary:
    """The selection probabilities of the applicants sharing one attribute value, under one
    policy.

    Attributes:
        policy: the policy's label.
        attribute: the attribute (``role``).
        value: its value (``prison``; ``""``: no value).
        applicants: how many eligible applicants have it.
        mean: their mean probability.
        min: the smallest.
        max: the largest.
        low: the mean of their intervals' lower ends.
        high: the mean of their upper ends. ``[low, high]`` holds the mean with at least the
            report's confidence: the standard deviation of a mean is at most the mean of the
            standard deviations, whatever the runs' correlations (so it is conservative).
    """

    policy: str
    attribute: str
    value: str
    applicants: int
    mean: float
    min: float
    max: float
    low: float
    high: float

    def as_dict(self) -> dict[str, Any]:
        """The summary as one flat dict, keyed by the attribute names above."""
        return attrs.asdict(self)


class Results:
    """The table methods shared by a report and a comparison (a mix-in).

    A subclass gives the reports, each with its ``label``, through :meth:`reports_of`.
    """

    __slots__ = ()

    def reports_of(self) -> Sequence[SimulationReport]:
        """The reports whose estimates make the rows, in order."""
        raise NotImplementedError

    def rows(self) -> list[ProbabilityRow]:
        """One row per eligible applicant and policy: policies in order, applicants by id.

        Returns:
            The rows; :meth:`ProbabilityRow.as_dict` gives each as a plain dict.
        """
        out: list[ProbabilityRow] = []
        for report in self.reports_of():
            label, runs = report.label, report.runs
            out.extend(
                ProbabilityRow(
                    registration_id=e.registration_id,
                    policy=label,
                    probability=e.probability,
                    low=e.low,
                    high=e.high,
                    runs=runs,
                    exact=e.exact,
                    attributes=e.attributes,
                )
                for e in report.estimates.values()
            )
        return out

    def _attribute_names(self) -> list[str]:
        names: dict[str, None] = {}
        for report in self.reports_of():
            names.update(dict.fromkeys(report.attributes))
        return list(names)

    def columns(self) -> list[str]:
        """The columns of :meth:`to_csv`: :data:`COLUMNS`, then the attributes."""
        return [
            *COLUMNS,
            *(f"attributes.{a}" if a in COLUMNS else a for a in self._attribute_names()),
        ]

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`rows` as CSV (UTF-8, a header row, :meth:`columns`), atomically.

        Text cells that a spreadsheet would run as a formula are written after an
        apostrophe, as in the decisions file. The file holds registration ids and attribute
        values, so it is readable by its owner only (mode 0600), as the decisions file is.
        """
        write_atomic(Path(path), self.csv_text())

    def csv_text(self) -> str:
        """The text :meth:`to_csv` writes."""
        attributes = self._attribute_names()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.columns())
        for report in self.reports_of():  # the rows' values, without building the rows
            label, runs = neutralise(report.label), report.runs
            writer.writerows(
                (
                    neutralise(e.registration_id),
                    label,
                    e.probability,
                    e.low,
                    e.high,
                    runs,
                    e.exact,
                    *[neutralise(e.attributes.get(a, "")) for a in attributes],
                )
                for e in report.estimates.values()
            )
        return buffer.getvalue()

    def to_jsonl(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`rows` as JSON lines (one object per row, keys as
        :meth:`ProbabilityRow.as_dict`), atomically and readable by its owner only."""
        text = "".join(json.dumps(row.as_dict(), ensure_ascii=False) + "\n" for row in self.rows())
        write_atomic(Path(path), text)

    def _column_lists(self) -> dict[str, list[Any]]:
        columns = self.columns()
        data: dict[str, list[Any]] = {c: [] for c in columns}
        for row in self.rows():
            record = row.as_dict()
            for c in columns:
                data[c].append(record.get(c, ""))
        return data

    def to_pandas(self) -> Any:
        """:meth:`rows` as a ``pandas.DataFrame`` (columns as :meth:`columns`).

        Raises:
            MissingExtra: pandas is not installed (``pip install 'ran-events[pandas]'``).
        """
        try:
            import pandas  # noqa: PLC0415 - optional extra
        except ImportError:
            raise MissingExtra("pandas", "to_pandas()") from None
        return pandas.DataFrame(self._column_lists())

    def to_polars(self) -> Any:
        """:meth:`rows` as a ``polars.DataFrame`` (columns as :meth:`columns`).

        Raises:
            MissingExtra: polars is not installed (``pip install 'ran-events[polars]'``).
        """
        try:
            import polars  # noqa: PLC0415 - optional extra
        except ImportError:
            raise MissingExtra("polars", "to_polars()") from None
        return polars.DataFrame(self._column_lists())

    def by(self, attribute: str) -> list[GroupSummary]:
        """The probabilities per value of a quota or cap attribute, per policy.

        Args:
            attribute: one of the reports' ``attributes`` (``role``).

        Returns:
            One summary per policy (in order) and value (sorted).

        Raises:
            InvalidValue: ``attribute`` is not a quota or cap attribute of the reports.
        """
        out = []
        for report in self.reports_of():
            if attribute not in report.attributes:
                raise InvalidValue(
                    "attribute",
                    attribute,
                    "a quota or cap attribute of the report: "
                    + (", ".join(report.attributes) or "none (the event has no quota or cap)"),
                )
            groups: dict[str, list[Any]] = {}
            for e in report.estimates.values():
                groups.setdefault(e.attributes[attribute], []).append(e)
            for value in sorted(groups):
                members = groups[value]
                n = len(members)
                out.append(
                    GroupSummary(
                        policy=report.label,
                        attribute=attribute,
                        value=value,
                        applicants=n,
                        mean=math.fsum(e.probability for e in members) / n,
                        min=min(e.probability for e in members),
                        max=max(e.probability for e in members),
                        low=math.fsum(e.low for e in members) / n,
                        high=math.fsum(e.high for e in members) / n,
                    )
                )
        return out

    def plot(self, path: str | os.PathLike[str], *, by: str | None = None) -> None:
        """Draw the probabilities as a PNG, written atomically.

        The left panel shows each policy's probabilities per applicant, sorted, on one shared
        axis, each with its intervals as a band; the right panel, per value of ``by``, each
        policy's mean probability as a dot with its interval (see :class:`GroupSummary`).
        The picture is 700 x 420 pixels, 1150 x 420 with the group panel.

        Args:
            path: the PNG file.
            by: the attribute of the group panel (default: the first quota's attribute; no
                panel when the event has no quota).

        Raises:
            MissingExtra: matplotlib is not installed (``pip install 'ran-events[plot]'``).
            InvalidValue: ``by`` is not a quota or cap attribute.
        """
        write_atomic(Path(path), self.plot_png(by=by), private=False)

    def plot_png(self, *, by: str | None = None) -> bytes:
        """The PNG :meth:`plot` writes."""
        reports = self.reports_of()
        if by is None:
            by = next((v.attribute for r in reports for v in r.values if v.kind == "quota"), None)
        summaries = self.by(by) if by is not None else []
        plt = pyplot()
        width, height = PLOT_SIZE
        panels = 2 if by is not None else 1
        figure, axes = plt.subplots(
            1,
            panels,
            figsize=(width + 4.5 * (panels - 1), height),
            dpi=PLOT_DPI,
            squeeze=False,
            gridspec_kw={"width_ratios": [width, 4.5][:panels]},
        )
        left = axes[0, 0]
        for index, report in enumerate(reports):
            colour = f"C{index % 10}"
            ordered = sorted(
                report.estimates.values(), key=lambda e: (e.probability, e.registration_id)
            )
            x = list(range(1, len(ordered) + 1))
            left.fill_between(
                x, [e.low for e in ordered], [e.high for e in ordered],
                color=colour, alpha=0.25, linewidth=0,
            )  # fmt: skip
            left.plot(x, [e.probability for e in ordered], color=colour, label=report.label)
        left.set_xlabel("eligible applicants, by probability")
        left.set_ylabel("selection probability")
        left.set_ylim(bottom=0)
        left.legend(loc="upper left", fontsize="small")
        if by is not None:
            _group_panel(axes[0, 1], reports, summaries, by)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=PLOT_DPI)
        plt.close(figure)
        return buffer.getvalue()


def _group_panel(
    axis: Any, reports: Sequence[SimulationReport], summaries: list[GroupSummary], by: str
) -> None:
    """Per value, each policy's mean probability as a dot with its interval."""
    values = sorted({s.value for s in summaries})
    step = 0.8 / len(reports)
    for index, report in enumerate(reports):
        mine = {s.value: s for s in summaries if s.policy == report.label}
        shown = [v for v in values if v in mine]
        offset = (index - (len(reports) - 1) / 2) * step
        means = [mine[v].mean for v in shown]
        axis.errorbar(
            [values.index(v) + offset for v in shown], means,
            yerr=[
                [max(0.0, m - mine[v].low) for v, m in zip(shown, means, strict=True)],
                [max(0.0, mine[v].high - m) for v, m in zip(shown, means, strict=True)],
            ],
            fmt="o", color=f"C{index % 10}", capsize=3, label=report.label,
        )  # fmt: skip
    axis.set_xticks(range(len(values)), [v or "(none)" for v in values])
    axis.tick_params(axis="x", labelrotation=30)
    for label in axis.get_xticklabels():
        label.set_horizontalalignment("right")
    axis.set_xlabel(by)
    axis.set_ylabel("mean selection probability")
    axis.set_ylim(bottom=0)


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (no display needed).

    Raises:
        MissingExtra: matplotlib is not installed.
    """
    try:
        import matplotlib  # noqa: PLC0415 - an optional extra, and slow to import

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415 - after choosing the Agg backend
    except ImportError:
        raise MissingExtra("plot", "plotting") from None
    return plt
