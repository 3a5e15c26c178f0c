"""Where a registration book keeps its registrations: the :class:`BookBackend` protocol.

A :class:`~ran_events.intake.RegistrationBook` checks (window, form, ids, the duplicates
policy) and hands storage to its backend. The backend makes each change atomic: "hold"
checks the address and inserts or replaces in one step, and a status change is a
compare-and-set, so that several threads (or, with a store, several processes) sharing one
book never lose an application. :class:`MemoryBackend` is the default; the stores of
:mod:`ran_events.store` are the others.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any, Final, Literal, Protocol, TypeAlias, runtime_checkable

import attrs

from ..errors import ConcurrentChange, DuplicateRegistration, InvalidValue, UnknownRegistration
from ..models import Registration, RegistrationStatus, StatusChange

__all__ = ["BookBackend", "MemoryBackend", "OnDuplicate", "keep_latest"]

OnDuplicate: TypeAlias = Literal["reject", "replace"]
"""What a book does with a second application from the same (normalised) address:
``"reject"`` it (:class:`~ran_events.errors.DuplicateRegistration`, in a file: a rejected row
naming the first one's line) or ``"replace"``: keep the latest application (the later
``submitted_at``) and record the replaced one in the kept registration's history."""

REPLACED_BY: Final = "registration book"
"""Who replaced an application, in the history, when the caller named no one."""
REPLACES: Final = "replaces the application "
"""The start of the history reason of a replaced application, before the replaced id."""


@runtime_checkable
class BookBackend(Protocol):
    """Protocol: the storage of one event's registrations, each change atomic.

    Implementations: :class:`MemoryBackend` (the default), and the backends of
    :meth:`ran_events.store.Store.backend`. The book does every check that needs the event
    (window, form); the backend does those that need the registrations held (the address,
    the id) in the same step as the change.
    """

    def hold(
        self, registration: Registration, *, on_duplicate: OnDuplicate, by: str
    ) -> Registration:
        """Insert ``registration``, or (``"replace"``) keep the later of it and the one held.

        Returns the registration held for the address afterwards (see :func:`keep_latest`).

        Raises:
            DuplicateRegistration: the address is held and ``on_duplicate`` is ``"reject"``,
                or the one held is no longer ``submitted``.
            InvalidValue: the id is held by another address (``field`` is ``"id"``).
        """
        ...

    def hold_many(
        self, registrations: Iterable[Registration], *, on_duplicate: OnDuplicate, by: str
    ) -> list[Registration | Exception]:
        """:meth:`hold` each in order, in one transaction: per item, what :meth:`hold` returns
        or the :class:`~ran_events.errors.DuplicateRegistration` /
        :class:`~ran_events.errors.InvalidValue` it raises (none is dropped)."""
        ...

    def get(self, registration_id: str) -> Registration:
        """The registration with this id.

        Raises:
            UnknownRegistration: no registration has that id.
        """
        ...

    def find(self, normalised_email: str) -> Registration | None:
        """The registration of this normalised address, or ``None``."""
        ...

    def __iter__(self) -> Iterator[Registration]:
        """The registrations, in the order taken in (a store: in the order first taken in;
        in memory, an application that replaced another counts as taken in anew)."""
        ...

    def __len__(self) -> int:
        """How many registrations are held."""
        ...

    def replace_status(
        self, registration_id: str, changed: Registration, *, expected: RegistrationStatus | str
    ) -> Registration:
        """Store ``changed`` (the registration after a status change) if the stored status is
        still ``expected``; returns ``changed``.

        Raises:
            UnknownRegistration: no registration has that id.
            ConcurrentChange: the stored status is no longer ``expected``.
        """
        ...


def keep_latest(existing: Registration, new: Registration, *, by: str) -> Registration:
    """The later of two applications of one address (``new`` on a tie), its history naming the
    other: the held history, then the new one's, then the replacement (an append)."""
    newer, older = (
        (new, existing) if new.submitted_at >= existing.submitted_at else (existing, new)
    )
    change = StatusChange(
        from_status=older.status,
        to_status=newer.status,
        at=newer.submitted_at,
        reason=f"{REPLACES}{older.id} submitted {older.submitted_at.isoformat()}",
        by=by or REPLACED_BY,
    )
    return attrs.evolve(newer, history=(*existing.history, *new.history, change))


def check_hold(
    existing: Registration | None,
    registration: Registration,
    *,
    id_owner: str | None,
    on_duplicate: OnDuplicate,
    by: str,
) -> Registration:
    """What holding ``registration`` keeps, given what is held (every backend's one rule).

    Args:
        existing: the registration held for the address, if any.
        registration: the new one.
        id_owner: the normalised address that holds ``registration.id``, if any.
        on_duplicate: the duplicates policy.
        by: who records it.

    Raises:
        InvalidValue: the id belongs to another address.
        DuplicateRegistration: as for :meth:`BookBackend.hold`.
    """
    if id_owner is not None and id_owner != registration.email:
        raise InvalidValue(
            "id",
            registration.id,
            "an id no other registration uses (it belongs to another address)",
        )
    if existing is None:
        return registration
    if on_duplicate == "reject" or existing.status is not RegistrationStatus.SUBMITTED:
        raise DuplicateRegistration(registration.email, existing.id)
    return keep_latest(existing, registration, by=by)


def hold_each(
    event_id: str,
    batch: Iterable[Registration],
    held: dict[str, Registration],
    owners: dict[str, str],
    *,
    on_duplicate: OnDuplicate,
    by: str,
) -> list[Registration | Exception]:
    """:func:`check_hold` each of a store's batch in order (a store's ``hold_many``).

    Args:
        event_id: the event of the store's book (a registration of another is refused).
        batch: the registrations, in order.
        held: per normalised address, the registration held; updated with what is kept.
        owners: per id, the normalised address that holds it; updated likewise.
        on_duplicate: the duplicates policy.
        by: who records it.

    Returns:
        Per registration, the one kept for its address, or the
        :class:`~ran_events.errors.DuplicateRegistration` / :class:`InvalidValue` refusing it.
    """
    results: list[Registration | Exception] = []
    for registration in batch:
        existing = held.get(registration.email)
        try:
            if registration.event_id != event_id:  # it would be filed under this one
                raise InvalidValue("event_id", registration.event_id, repr(event_id))
            kept = check_hold(
                existing,
                registration,
                id_owner=owners.get(registration.id),
                on_duplicate=on_duplicate,
                by=by,
            )
        except (DuplicateRegistration, InvalidValue) as exc:
            results.append(exc)
            continue
        if existing is not None:
            owners.pop(existing.id, None)
        held[kept.email] = kept
        owners[kept.id] = kept.email
        results.append(kept)
    return results


@attrs.define
class MemoryBackend:
    """The registrations of one event in memory: the default :class:`BookBackend`.

    Safe to share between threads: every method takes one re-entrant lock, so "check the
    address, then insert or replace" is one step.
    """

    _by_email: dict[str, Registration] = attrs.field(init=False, factory=dict)
    _by_id: dict[str, str] = attrs.field(init=False, factory=dict)
    _lock: threading.RLock = attrs.field(init=False, factory=threading.RLock, repr=False, eq=False)

    def __repr__(self) -> str:
        return f"MemoryBackend({len(self)} registration(s))"

    def __getstate__(self) -> dict[str, object]:  # a book pickles and copies as before
        with self._lock:
            return {"by_email": dict(self._by_email), "by_id": dict(self._by_id)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "_by_email", state["by_email"])
        object.__setattr__(self, "_by_id", state["by_id"])
        object.__setattr__(self, "_lock", threading.RLock())

    def hold(
        self, registration: Registration, *, on_duplicate: OnDuplicate, by: str
    ) -> Registration:
        """See :meth:`BookBackend.hold`."""
        with self._lock:
            email = registration.email
            existing = self._by_email.get(email)
            kept = check_hold(
                existing,
                registration,
                id_owner=self._by_id.get(registration.id),
                on_duplicate=on_duplicate,
                by=by,
            )
            if existing is not None:
                del self._by_id[existing.id]
                del self._by_email[email]  # the kept one goes to the end, as a new one would
            self._by_email[email] = kept
            self._by_id[kept.id] = email
            return kept

    def hold_many(
        self, registrations: Iterable[Registration], *, on_duplicate: OnDuplicate, by: str
    ) -> list[Registration | Exception]:
        """See :meth:`BookBackend.hold_many`."""
        results: list[Registration | Exception] = []
        with self._lock:  # one lock for the batch
            by_email, by_id = self._by_email, self._by_id
            for registration in registrations:
                email = registration.registrant.normalised_email
                if email not in by_email and registration.id not in by_id:
                    # A new address and id: what hold() would do, without its checks' calls.
                    by_email[email] = registration
                    by_id[registration.id] = email
                    results.append(registration)
                    continue
                try:
                    results.append(self.hold(registration, on_duplicate=on_duplicate, by=by))
                except (DuplicateRegistration, InvalidValue) as exc:
                    results.append(exc)
        return results

    def get(self, registration_id: str) -> Registration:
        """See :meth:`BookBackend.get`."""
        with self._lock:
            email = self._by_id.get(registration_id)
            if email is None:
                raise UnknownRegistration(registration_id)
            return self._by_email[email]

    def find(self, normalised_email: str) -> Registration | None:
        """See :meth:`BookBackend.find`."""
        return self._by_email.get(normalised_email)

    def __iter__(self) -> Iterator[Registration]:
        with self._lock:
            return iter(list(self._by_email.values()))

    def __len__(self) -> int:
        return len(self._by_email)

    def __contains__(self, registration_id: object) -> bool:
        return registration_id in self._by_id

    def replace_status(
        self, registration_id: str, changed: Registration, *, expected: RegistrationStatus | str
    ) -> Registration:
        """See :meth:`BookBackend.replace_status`."""
        expected = RegistrationStatus(expected)
        with self._lock:
            current = self.get(registration_id)
            if current.status is not expected:
                raise ConcurrentChange(registration_id, expected.value, current.status.value)
            self._by_email[current.email] = changed
            return changed
