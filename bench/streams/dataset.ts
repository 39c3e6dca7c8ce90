import { ensureDataset } from '../history/dataset';

/** The backlog the streams bench delivers: the history bench's dataset (1M events of tenant `acme`) in a database of its own. */
export const STREAMS_DATASET_DB = process.env.BENCH_STREAMS_DB || 'audit_bench_streams_history';

if (require.main === module)
  void ensureDataset(STREAMS_DATASET_DB, (line) => console.log(line)).then((info) => console.log(JSON.stringify(info)));
