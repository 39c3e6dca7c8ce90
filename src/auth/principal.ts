/** Who is calling, as their verified token says. */
export interface Principal {
  subject: string;
  /** The tenant every read and write of this caller is scoped to. */
  tenantId: string;
  /** `ADMIN`, `AUDITOR`, `SERVICE`, a tenant-defined role, or anything else (an ordinary user). */
  role: string;
  email: string | null;
  /** Seconds since the epoch; subscriptions end when it passes. */
  expiresAt: number;
}

export const Role = { Admin: 'ADMIN', Auditor: 'AUDITOR', Service: 'SERVICE' } as const;

/** The outcome of reading a request's credentials: a principal, or why there is none. */
export type Authentication = { principal: Principal; problem?: undefined } | { principal: null; problem: string };
