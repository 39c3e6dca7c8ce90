import { by, PEOPLE, REPS, type Person } from './cast';
import { on, type History } from './history';
import { createRandom } from './random';
import { minutesAfter } from './schedule';

const REPORTS = ['Pipeline by stage', 'Forecast this quarter', 'Leads by source', 'Win/loss by rep'];
const REP_VIEWS = ['My open leads', 'My opportunities', 'Follow-ups this week'];

/** Reports run and exported by the managers, bulk reassignments on Mondays, exports by reps and marketing. */
export function generateDataExports(history: History): void {
  const random = createRandom(`${history.tenant}:exports`);
  const during = (person: Person, day: number) => {
    const [morning] = person.place.morning;
    return history.at(day, random.between(morning + 1, morning + 8));
  };

  for (let day = 0; day < history.days; day++) {
    if (!history.isWorkday(day)) continue;
    for (const manager of [PEOPLE.sophie, PEOPLE.tom]) {
      const report = random.pick(REPORTS);
      const key = `${manager.id}:${day}`;
      if (random.chance(0.7))
        history.add(`${key}:report`, during(manager, day), 'REPORT_RUN', { ...on('Report', report), ...by(manager) });
      if (history.at(day, 0).getUTCDay() !== 1) continue;
      const at = during(manager, day);
      const weekly = { recordCount: random.int(40, 95), format: 'XLSX' };
      history.add(`${key}:weekly`, at, 'REPORT_EXPORT', {
        ...on('Report', 'Weekly pipeline'),
        ...by(manager),
        metadata: weekly,
      });
      const reassigned = { recordCount: random.int(8, 30), field: 'ownerId' };
      const later = minutesAfter(random, at, 10, 40);
      history.add(`${key}:reassign`, later, 'BULK_UPDATE', { ...on('Lead'), ...by(manager), metadata: reassigned });
    }
    for (const rep of REPS) {
      if ((rep.since ?? -1) >= day || !random.chance(0.12)) continue;
      const view = random.pick(REP_VIEWS);
      const metadata = { recordCount: random.int(8, 60), format: 'CSV', view };
      const type = view === 'My opportunities' ? 'Opportunity' : 'Lead';
      history.add(`${rep.id}:export:${day}`, during(rep, day), 'EXPORT', { ...on(type), ...by(rep), metadata });
    }
    if (random.chance(0.15)) {
      const metadata = { recordCount: random.int(40, 95), format: 'CSV', view: 'Campaign audience' };
      const olivia = PEOPLE.olivia;
      history.add(`olivia:export:${day}`, during(olivia, day), 'EXPORT', { ...on('Lead'), ...by(olivia), metadata });
    }
  }
}
