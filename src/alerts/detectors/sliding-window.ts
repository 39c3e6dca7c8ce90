/** One matching event of a group, with how much it counts (1, or a record count). */
export interface WindowPoint {
  id: string;
  sequence: string;
  occurredAt: Date;
  actorId: string;
  weight: number;
  /** Recorded after the last evaluation: only windows holding one of these can raise. */
  isNew: boolean;
}

export interface WindowRule {
  threshold: number;
  windowSeconds: number;
  /** bulk-export raises over its threshold, the others at it. */
  strictlyOver: boolean;
}

/** A run of overlapping windows that each reach the threshold: one alert's worth of events. */
export interface WindowHit {
  points: WindowPoint[];
  total: number;
}

/**
 * Slides a window of `windowSeconds` over the points (sorted by occurredAt) and returns the runs of
 * windows that reach the threshold and hold a new point. Overlapping runs are merged, so a burst
 * raises once however long it lasts.
 */
export function findWindowHits(points: WindowPoint[], rule: WindowRule): WindowHit[] {
  const windowMs = rule.windowSeconds * 1000;
  const reached = (sum: number) => (rule.strictlyOver ? sum > rule.threshold : sum >= rule.threshold);
  const ranges: Array<[number, number]> = [];
  let left = 0;
  let sum = 0;
  let newInWindow = 0;
  for (let right = 0; right < points.length; right++) {
    sum += points[right].weight;
    if (points[right].isNew) newInWindow++;
    while (points[right].occurredAt.getTime() - points[left].occurredAt.getTime() > windowMs) {
      sum -= points[left].weight;
      if (points[left].isNew) newInWindow--;
      left++;
    }
    if (!reached(sum) || newInWindow === 0) continue;
    const last = ranges.at(-1);
    if (last && left <= last[1]) last[1] = right;
    else ranges.push([left, right]);
  }
  return ranges.map(([from, to]) => {
    const hit = points.slice(from, to + 1);
    return { points: hit, total: hit.reduce((total, point) => total + point.weight, 0) };
  });
}
