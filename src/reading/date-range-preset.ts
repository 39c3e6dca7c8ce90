export enum DateRangePreset {
  TODAY = 'TODAY',
  LAST_7_DAYS = 'LAST_7_DAYS',
  LAST_30_DAYS = 'LAST_30_DAYS',
  LAST_90_DAYS = 'LAST_90_DAYS',
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The earliest instant the preset admits: TODAY from 00:00 UTC, LAST_N_DAYS from N×24h before `now`. */
export function presetStart(preset: DateRangePreset, now: Date): Date {
  switch (preset) {
    case DateRangePreset.TODAY:
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    case DateRangePreset.LAST_7_DAYS:
      return new Date(now.getTime() - 7 * DAY_MS);
    case DateRangePreset.LAST_30_DAYS:
      return new Date(now.getTime() - 30 * DAY_MS);
    case DateRangePreset.LAST_90_DAYS:
      return new Date(now.getTime() - 90 * DAY_MS);
  }
}
