"""The domain: events, sessions, the registration form, registrants and registrations."""

from .event import *  # noqa: F403 - the module moved whole; the split follows
from .event import SCALE_RANGE, __all__
