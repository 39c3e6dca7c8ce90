#!/usr/bin/env bash
# Runs the tests that depend on the clock under Debian's faketime (libfaketime), once for each of the seven
# days before today, each starting at a given UTC time of that day (default 23:59:30, so that every run also
# crosses midnight UTC into the next day). Only the Node.js process is faked; PostgreSQL and Redis run on the
# real clock. The faked days are in the past week, never ahead of the database's clock.
#
#   scripts/test-any-day.sh                      # 7 days, 23:59:30 UTC, the time-dependent files
#   TEST_ANY_DAY_AT=00:00:05 scripts/test-any-day.sh
#   TEST_ANY_DAY_DAYS=2 scripts/test-any-day.sh test/alerts/built-in-rules.test.ts
#
# Needs faketime (`apt-get install faketime`) and the services the tests use (TEST_DATABASE_URL, or an
# embedded PostgreSQL per run). Exits non-zero if any day fails; prints one line per day.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v faketime >/dev/null; then
  echo "faketime is not installed (Debian: apt-get install faketime)" >&2
  exit 2
fi

at="${TEST_ANY_DAY_AT:-23:59:30}"
days="${TEST_ANY_DAY_DAYS:-7}"
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  # The tests that read the clock, or build dates around it (weekdays, nights, presets, months, "in the future").
  files=(
    test/unit/past-dates.test.ts
    test/alerts/built-in-rules.test.ts
    test/alerts/rules-and-alerts.test.ts
    test/alerts/geoip.test.ts
    test/alerts/replicas-and-delivery.test.ts
    test/reading/audit-events-query.test.ts
    test/reading/event-filter.test.ts
    test/events/record-events.test.ts
    test/integrity/tamper-evidence.test.ts
    test/tenants/tenant-settings.test.ts
    test/investigations/stats.test.ts
    test/exports/schedules.test.ts
  )
fi

# libfaketime: the wall clock starts at the given instant and runs on from there (`@`); timers, which run on the
# monotonic clock, are left alone; no caching of the faked time, which Node.js reads through clock_gettime.
export TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1

failed=0
summary=()
for offset in $(seq "$days" -1 1); do
  day="$(date -u -d "-${offset} days" +%F)"
  start="${day} ${at}"
  weekday="$(date -u -d "${start}" +%A)"
  echo
  echo "==== faketime '@${start}' UTC (${weekday}) ===="
  echo "node sees: $(faketime -f "@${start}" node -e 'console.log(new Date().toISOString())')"
  log="$(mktemp)"
  status=0
  faketime -f "@${start}" npx jest --maxWorkers=1 "${files[@]}" >"$log" 2>&1 || status=$?
  tail -n 6 "$log" | grep -E '^(Tests|Test Suites):' || true
  if [ "$status" -ne 0 ]; then
    failed=1
    grep -E -A 20 '^  ● ' "$log" | head -n 120 || true
  fi
  result="$(grep -E '^Tests:' "$log" | tail -n 1 | sed -E 's/^Tests: +//')"
  summary+=("${start} UTC ${weekday}: $([ "$status" -eq 0 ] && echo passed || echo FAILED) (${result})")
  rm -f "$log"
done

echo
printf '%s\n' "${summary[@]}"
exit "$failed"
