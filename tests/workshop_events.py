"""Events with parallel workshops and breakout rooms, shared by the tests of issue 15."""

from __future__ import annotations

from ran_events import eventfile
from ran_events.models import Event

WORKSHOPS_TOML = """\
id = "ran-families-2024"
title = "RAN Practitioners Study Visit: Working with families"
timezone = "Europe/Brussels"
capacity = 40
target_groups = ["prison", "police", "youth"]

[organiser]
name = "RAN Practitioners"
email = "ran-practitioners@example.org"

[venue]
name = "Conference centre"
city = "Brussels"

[registration]
opens = "2024-03-01T00:00"
deadline = "2024-04-01"

[[sessions]]
id = "plenary"
title = "Welcome"
start = "2024-04-20T09:00"
end = "2024-04-20T10:00"

[[sessions]]
id = "ws-a"
title = "Workshop A: family support"
kind = "breakout"
choice = true
capacity = 15
room = "Room 1"
start = "2024-04-20T10:30"
end = "2024-04-20T12:00"

[sessions.online]
platform = "WebEx"
url = "https://example.webex.com/meet/ws-a"

[[sessions]]
id = "ws-b"
title = "Workshop B: exit work"
kind = "breakout"
choice = true
capacity = 15
room = "Room 2"
start = "2024-04-20T10:30"
end = "2024-04-20T12:00"

[[sessions]]
id = "ws-c"
title = "Workshop C: schools"
kind = "breakout"
choice = true
capacity = 15
room = "Room 3"
start = "2024-04-20T10:30"
end = "2024-04-20T12:00"

[[sessions]]
id = "closing"
title = "Closing plenary"
start = "2024-04-20T12:30"
end = "2024-04-20T13:00"

[[form.questions]]
id = "workshops"
text = "Rank the workshops, best first"
kind = "ranking"
"""
"""A study visit: a plenary, three parallel workshops of 15 places (one slot), a closing."""

BREAKOUTS_TOML = """\
id = "ran-cases-2023"
title = "RAN Webinar: cases in small groups"
timezone = "Europe/Brussels"
capacity = 30

[organiser]
name = "RAN Practitioners"
email = "ran-practitioners@example.org"

[online]
platform = "WebEx"
url = "https://example.webex.com/meet/ran-plenary"

[registration]
opens = "2023-08-11T00:00"
deadline = "2023-09-06"

[[sessions]]
id = "plenary"
title = "Basics of mental health in P/CVE"
start = "2023-09-20T14:00"
end = "2023-09-20T15:30"

[[sessions]]
id = "room-1"
title = "Case discussion, room 1"
kind = "breakout"
start = "2023-09-20T15:30"
end = "2023-09-20T17:00"

[sessions.online]
platform = "WebEx"
url = "https://example.webex.com/meet/ran-room-1"
access_notes = "Room 1 password: one"

[[sessions]]
id = "room-2"
title = "Case discussion, room 2"
kind = "breakout"
start = "2023-09-20T15:30"
end = "2023-09-20T17:00"

[sessions.online]
platform = "WebEx"
url = "https://example.webex.com/meet/ran-room-2"

[[sessions]]
id = "room-3"
title = "Case discussion, room 3"
kind = "breakout"
start = "2023-09-20T15:30"
end = "2023-09-20T17:00"

[sessions.online]
platform = "WebEx"
url = "https://example.webex.com/meet/ran-room-3"
"""
"""The webinar with its case discussion in three WebEx breakout rooms, each its own link."""


def workshops_event() -> Event:
    """The study visit with three parallel workshops (:data:`WORKSHOPS_TOML`)."""
    return eventfile.loads(WORKSHOPS_TOML, source="workshops.toml")


def breakouts_event() -> Event:
    """The webinar with three breakout rooms (:data:`BREAKOUTS_TOML`)."""
    return eventfile.loads(BREAKOUTS_TOML, source="breakouts.toml")
