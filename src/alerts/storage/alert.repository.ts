import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../../errors';
import { isUuid, parseUuidArgument } from '../../ids';
import { MAX_PAGE_SIZE } from '../../reading/page';
import { AlertNotFoundError } from '../alert-errors';
import { SEVERITY_RANK, type AlertSeverity, type AlertStatus } from '../alert-enums';
import { AlertSchema, type AlertEntity } from './alert.entity';

export interface AlertListArgs {
  status?: AlertStatus | null;
  minSeverity?: AlertSeverity | null;
  first: number;
  after?: string | null;
}

/**
 * A cursor names the last alert of a page by its id: the serial that orders alerts is one sequence
 * for every tenant, and a cursor holding it would tell a tenant how many alerts the others raised.
 */
export const encodeAlertCursor = (alertId: string): string => Buffer.from(`alert:${alertId}`).toString('base64url');

function decodeAlertCursor(text: string): string {
  const match = /^alert:(.{36})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match || !isUuid(match[1])) throw new BadUserInputError('after', 'is not a valid cursor');
  return match[1].toLowerCase();
}

/** One tenant's alerts, newest first (raising order). */
export class AlertRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
  ) {}

  /** Up to `first + 1` alerts, so that the caller can tell whether another page follows. */
  async page({ status, minSeverity, first, after }: AlertListArgs): Promise<AlertEntity[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE)
      throw new BadUserInputError('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
    const before = after ? await this.serialOf(decodeAlertCursor(after)) : undefined;
    return this.em.find(
      AlertSchema,
      {
        tenantId: this.tenantId,
        ...(status ? { status } : {}),
        ...(minSeverity ? { severityRank: { $gte: SEVERITY_RANK[minSeverity] } } : {}),
        ...(before ? { serial: { $lt: before } } : {}),
      },
      { orderBy: { serial: 'desc' }, limit: first + 1 },
    );
  }

  /** @throws BadUserInputError naming `after` when the cursor's alert is not the tenant's. */
  private async serialOf(alertId: string): Promise<string> {
    const alert = await this.em.findOne(AlertSchema, { tenantId: this.tenantId, id: alertId }, { fields: ['serial'] });
    if (!alert) throw new BadUserInputError('after', 'is not a valid cursor');
    return String(alert.serial);
  }

  /** @throws BadUserInputError naming `id` when it is not a UUID. */
  async get(id: string): Promise<AlertEntity> {
    const alert = await this.em.findOne(AlertSchema, { id: parseUuidArgument('id', id), tenantId: this.tenantId });
    if (!alert) throw new AlertNotFoundError('alert');
    return alert;
  }
}
