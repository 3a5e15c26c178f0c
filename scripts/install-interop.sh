#!/usr/bin/env bash
# Install the independent iCalendar readers used as test oracles (see docs/interop.md).
#
# - libical 3 through its GObject bindings (Debian: python3-gi, gir1.2-ical-3.0), used by the
#   SYSTEM python /usr/bin/python3 (the venv cannot import gi);
# - ical.js 2.x from npm into tests/interop/node/node_modules (pinned by package-lock.json).
#
# vobject, ical and Radicale come from the pyproject [test] extra and need nothing here.
# Idempotent; meant to run as root on a Debian machine with Node.js 20 + npm and Python 3.11.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_dir="${repo_root}/tests/interop/node"

have_libical() {
    /usr/bin/python3 -c 'import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib' \
        >/dev/null 2>&1
}

if have_libical; then
    echo "install-interop: libical GObject bindings already present"
else
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-interop: need root to apt-get install python3-gi gir1.2-ical-3.0" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends python3-gi gir1.2-ical-3.0
    have_libical || { echo "install-interop: ICalGLib still not importable" >&2; exit 1; }
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install-interop: node and npm are required for ical.js" >&2
    exit 1
fi

cd "${node_dir}"
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
else
    npm install --no-audit --no-fund --loglevel=error
fi
node --input-type=module -e 'import ICAL from "ical.js"; if (!ICAL.Timezone) process.exit(1);' \
    || { echo "install-interop: ical.js does not load" >&2; exit 1; }
echo "install-interop: libical and ical.js ready"
