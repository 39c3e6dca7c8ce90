import { DATASET, type DatasetSpec } from '../history/dataset';
import { intFromEnv } from '../support/stats';

/** Events of the searched tenant: 10,000,000 unless BENCH_SEARCH_EVENTS says otherwise (a smaller run names its database). */
const EVENTS = intFromEnv('BENCH_SEARCH_EVENTS', 10_000_000);

/** What the search bench reads: the history bench's generator at ten times its size, over six months. */
export const SEARCH_DATASET: DatasetSpec = {
  ...DATASET,
  version: 2,
  events: EVENTS,
  otherEvents: EVENTS / 10,
  entities: EVENTS / 20,
  months: 6,
};
