"""The event's book on disk: a durable store shared by threads and processes.

- :class:`Store`: the protocol (events and their revisions, registrations with their status
  history, selection records, offers, the outgoing message log, erasure and the audit log)
  and its values :class:`StoredSelection`, :class:`Offer`, :class:`QueuedMessage`,
  :class:`AuditEntry`.
- :class:`SqliteStore`: the embedded store, one SQLite file; :func:`open_store` opens a
  store by its path or URL.

The store sits above :mod:`ran_events.intake` (a store-backed
:class:`~ran_events.intake.RegistrationBook` is the same book on another
:class:`~ran_events.intake.BookBackend`) and below selection and invites, whose records and
messages it keeps as text and bytes it does not interpret.
"""

from ._open import open_store
from ._protocol import (
    MESSAGE_STATES,
    OFFER_OUTCOMES,
    AuditEntry,
    MessageState,
    Offer,
    OfferOutcome,
    QueuedMessage,
    Store,
    StoredSelection,
)
from ._sqlite import SqliteStore

__all__ = [
    "MESSAGE_STATES",
    "OFFER_OUTCOMES",
    "AuditEntry",
    "MessageState",
    "Offer",
    "OfferOutcome",
    "QueuedMessage",
    "SqliteStore",
    "Store",
    "StoredSelection",
    "open_store",
]
