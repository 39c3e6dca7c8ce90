import type { AuditEventInput } from '../../src/events/audit-event.input';
import type { AuditAction } from '../../src/events/enums';
import { stableUuid } from './random';

/** One generated event: an `AuditEventInput` with its stable id and time set. */
export type SeedEvent = AuditEventInput & { id: string; occurredAt: Date };
export type EventBody = Omit<SeedEvent, 'id' | 'occurredAt' | 'tenantId' | 'action'>;
export type Change = { field: string; oldValue: unknown; newValue: unknown };

export const change = (field: string, oldValue: unknown, newValue: unknown): Change => ({ field, oldValue, newValue });
/** The record an event is about. */
export const on = (entityType: string, entityId?: string) => ({ entityType, ...(entityId ? { entityId } : {}) });

const DAY_MS = 86_400_000;

/**
 * Collects a tenant's generated events. Times are given as (day, UTC hour) from `start`, the midnight (UTC) the
 * history begins; ids are derived from the tenant and a key unique within the history, so a run with the same
 * start produces the very same events.
 */
export class History {
  readonly events: SeedEvent[] = [];
  private readonly keys = new Set<string>();

  constructor(
    readonly tenant: string,
    readonly start: Date,
    readonly days: number,
  ) {}

  /** The instant `hours` (fractional, may exceed 24) after midnight of `day`, to the second. */
  at(day: number, hours: number): Date {
    return new Date(this.start.getTime() + day * DAY_MS + Math.round(hours * 3600) * 1000);
  }

  /** Monday to Friday. */
  isWorkday(day: number): boolean {
    const weekday = new Date(this.start.getTime() + day * DAY_MS).getUTCDay();
    return weekday >= 1 && weekday <= 5;
  }

  /** True while `at` lies inside the history (later events are not generated: the history ends at `end`). */
  contains(at: Date): boolean {
    return at.getTime() >= this.start.getTime() && at.getTime() < this.end.getTime();
  }

  get end(): Date {
    return new Date(this.start.getTime() + this.days * DAY_MS);
  }

  /** The stable id of the event with this key. */
  idOf(key: string): string {
    return stableUuid('audit-subgraph demo', this.tenant, key);
  }

  /** Adds an event unless it falls after the end; returns whether it was added. */
  add(key: string, occurredAt: Date, action: AuditAction, body: EventBody): boolean {
    if (this.keys.has(key)) throw new Error(`demo history: the key ${key} is used twice`);
    this.keys.add(key);
    if (!this.contains(occurredAt)) return false;
    this.events.push({ ...body, action, id: this.idOf(key), tenantId: this.tenant, occurredAt });
    return true;
  }
}
