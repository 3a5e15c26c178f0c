"""The event's book on disk: a durable store shared by threads and processes.

- :class:`Store`: the protocol (events and their revisions, registrations with their status
  history, selection records, the small groups' and workshops' assignments, offers, the outgoing
  message log, erasure and the audit log) and its values :class:`StoredSelection`,
  :class:`StoredAssignment`, :class:`Offer`, :class:`QueuedMessage`,
  :class:`AuditEntry`.
- :class:`SqliteStore`: the embedded store, one SQLite file; :class:`PostgresStore`: a
  PostgreSQL database shared by a service's processes (extra ``ran-events[postgres]``);
  :func:`open_store` opens a store by its path or URL.

The store sits above :mod:`ran_events.intake` (a store-backed
:class:`~ran_events.intake.RegistrationBook` is the same book on another
:class:`~ran_events.intake.BookBackend`) and below selection and invites, whose records and
messages it keeps as text and bytes it does not interpret.
"""

from ._open import open_store
from ._postgres import PostgresStore
from ._protocol import (
    ASSIGNMENT_KINDS,
    MESSAGE_STATES,
    OFFER_OUTCOMES,
    AssignmentKind,
    AssignmentLike,
    AuditEntry,
    MessageState,
    Offer,
    OfferOutcome,
    QueuedMessage,
    Store,
    StoredAssignment,
    StoredSelection,
)
from ._sqlite import SqliteStore

__all__ = [
    "ASSIGNMENT_KINDS",
    "MESSAGE_STATES",
    "OFFER_OUTCOMES",
    "AssignmentKind",
    "AssignmentLike",
    "AuditEntry",
    "MessageState",
    "Offer",
    "OfferOutcome",
    "PostgresStore",
    "QueuedMessage",
    "SqliteStore",
    "Store",
    "StoredAssignment",
    "StoredSelection",
    "open_store",
]
