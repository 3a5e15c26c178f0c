// Read one iCalendar object with ical.js (what Thunderbird and Nextcloud use) and print, as JSON,
// for every VEVENT its UID and the UTC instants of DTSTART and DTEND.
//
// Every VTIMEZONE embedded in the object is registered with ICAL.TimezoneService before any
// date-time value is decoded, so a TZID resolves to the embedded block only (ical.js has no
// zone database of its own besides UTC). A TZID without a VTIMEZONE is reported, not guessed.
// Input: the object on standard input. Output: {"version": str, "events": [...]}.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(0, "utf8");
const root = new ICAL.Component(ICAL.parse(text));
const calendars = root.name === "vcalendar" ? [root] : root.getAllSubcomponents("vcalendar");

function iso(unix) {
  return new Date(unix * 1000).toISOString().replace(".000Z", "Z");
}

function instant(event, name, problems) {
  const prop = event.getFirstProperty(name);
  if (!prop) return null;
  const time = prop.getFirstValue();
  if (!time || typeof time.toUnixTime !== "function") {
    problems.push(`${name.toUpperCase()}: not a date-time`);
    return null;
  }
  if (time.isDate) {
    problems.push(`${name.toUpperCase()}: DATE value`);
    return null;
  }
  const tzid = prop.getParameter("tzid");
  if (tzid) {
    if (!time.zone || time.zone.tzid !== tzid) {
      problems.push(`${name.toUpperCase()}: no embedded VTIMEZONE for TZID=${tzid}`);
      return null;
    }
  } else if (!time.zone || time.zone !== ICAL.Timezone.utcTimezone) {
    problems.push(`${name.toUpperCase()}: floating time`);
    return null;
  }
  return iso(time.convertToZone(ICAL.Timezone.utcTimezone).toUnixTime());
}

const events = [];
for (const cal of calendars) {
  for (const vtz of cal.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
  for (const vevent of cal.getAllSubcomponents("vevent")) {
    const problems = [];
    const start = instant(vevent, "dtstart", problems);
    let end = instant(vevent, "dtend", problems);
    const duration = vevent.getFirstPropertyValue("duration");
    if (end === null && start !== null && duration) {
      end = iso(Date.parse(start) / 1000 + duration.toSeconds());
    }
    if (!vevent.hasProperty("dtstart")) problems.push("DTSTART: missing");
    events.push({
      uid: vevent.getFirstPropertyValue("uid") ?? null,
      sequence: vevent.getFirstPropertyValue("sequence") ?? null,
      dtstart_utc: start,
      dtend_utc: end,
      problems,
    });
  }
}
const pkg = JSON.parse(readFileSync(new URL("./node_modules/ical.js/package.json", import.meta.url)));
process.stdout.write(JSON.stringify({ version: pkg.version, events }));
