// Print, as JSON, the ORGANIZER and ATTENDEE addresses of every VEVENT as ical.js reads them.
// Input: one iCalendar object on standard input.
// Output: {"events": [{"organizer": string | null, "attendees": [string]}]}.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const root = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
const events = root.getAllSubcomponents("vevent").map((vevent) => ({
  organizer: vevent.getFirstPropertyValue("organizer") ?? null,
  attendees: vevent.getAllProperties("attendee").map((p) => p.getFirstValue()),
}));
process.stdout.write(JSON.stringify({ events }));
