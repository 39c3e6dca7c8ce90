import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../../errors';
import { parseUuidArgument } from '../../ids';
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

/** The largest bigint: alert serials are PostgreSQL bigints. */
const MAX_SERIAL = 9_223_372_036_854_775_807n;

export const encodeAlertCursor = (serial: string): string => Buffer.from(`alert:${serial}`).toString('base64url');

function decodeAlertCursor(text: string): string {
  const match = /^alert:(\d{1,19})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match || BigInt(match[1]) > MAX_SERIAL) throw new BadUserInputError('after', 'is not a valid cursor');
  return match[1];
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
    return this.em.find(
      AlertSchema,
      {
        tenantId: this.tenantId,
        ...(status ? { status } : {}),
        ...(minSeverity ? { severityRank: { $gte: SEVERITY_RANK[minSeverity] } } : {}),
        ...(after ? { serial: { $lt: decodeAlertCursor(after) } } : {}),
      },
      { orderBy: { serial: 'desc' }, limit: first + 1 },
    );
  }

  /** @throws BadUserInputError naming `id` when it is not a UUID. */
  async get(id: string): Promise<AlertEntity> {
    const alert = await this.em.findOne(AlertSchema, { id: parseUuidArgument('id', id), tenantId: this.tenantId });
    if (!alert) throw new AlertNotFoundError('alert');
    return alert;
  }
}
