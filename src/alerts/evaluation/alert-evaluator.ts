import type { CommittedBatch } from '../../core/commit-bus';
import { AuditCategory, categoryOfAction, type AuditAction } from '../../events/enums';
import { BUILT_IN_ACTIONS } from '../detectors/detector-for-rule';
import type { StoredAlert } from './store-alerts';
import { evaluateTenant, type EvaluationDeps } from './evaluate-tenant';

export interface EvaluatorOptions {
  /**
   * How often tenants whose checkpoint lags their log are looked for: the safety net, and the pace at
   * which events that no rule looks at are passed.
   */
  intervalMs: number;
  /** Another replica holds a tenant: look again this soon, in case it stopped before our events. */
  busyRetryMs: number;
  onRaised?: (alerts: StoredAlert[]) => void;
  /** Told of each tenant woken, and why: a commit of this replica, the sweep, or a retry after another replica. */
  onWake?: (trigger: WakeTrigger) => void;
}

export type WakeTrigger = 'commit' | 'sweep' | 'retry';

/**
 * Runs the detectors off the write path: woken after each local commit and by a timer, one
 * evaluation at a time per tenant in this process (the checkpoint lock covers other replicas).
 */
export class AlertEvaluator {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Per tenant evaluated here, whether it had enabled custom rules then. */
  private readonly customRules = new Map<string, boolean>();
  /**
   * Per tenant, how many configuration changes this replica committed: an evaluation that started
   * before the latest one may have read the rules before it, so what it found is not kept.
   */
  private readonly configChanges = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly deps: EvaluationDeps,
    private readonly options: EvaluatorOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
    void this.sweep();
  }

  /**
   * After a commit of this replica: evaluates at once the tenants where an alert may follow (an
   * action a built-in rule looks at, custom rules, or a tenant not evaluated here yet). A
   * configuration change may be a rule's, so it refreshes what is known of the tenant's rules.
   * The rest, usually record changes, waits for the sweep: one evaluation per tenant and interval
   * instead of one per batch, for events that no rule of theirs can raise an alert from.
   */
  committed(batch: CommittedBatch): void {
    const urgent: string[] = [];
    for (const [tenant, actions] of batch.actions) {
      // The bus carries actions as text; they are the write path's AuditAction values.
      const stored = [...(actions as ReadonlySet<AuditAction>)];
      if (stored.some((action) => categoryOfAction(action) === AuditCategory.CONFIG)) {
        this.configChanges.set(tenant, (this.configChanges.get(tenant) ?? 0) + 1);
        this.customRules.delete(tenant);
        urgent.push(tenant);
      } else if (this.customRules.get(tenant) !== false || stored.some((action) => BUILT_IN_ACTIONS.has(action)))
        urgent.push(tenant);
    }
    this.wake(urgent, 'commit');
  }

  /** Evaluates each tenant now, or once its evaluation in flight ends. Synchronous up to the first query. */
  private wake(tenants: Iterable<string>, trigger: WakeTrigger): void {
    for (const tenant of tenants) {
      if (this.stopped) return;
      this.options.onWake?.(trigger);
      if (this.running.has(tenant)) this.again.add(tenant);
      else this.begin(tenant);
    }
  }

  private begin(tenant: string): void {
    const run = this.run(tenant).finally(() => {
      this.running.delete(tenant);
      if (this.again.delete(tenant) && !this.stopped) this.begin(tenant);
    });
    this.running.set(tenant, run);
  }

  /** Lets the evaluations in flight commit, then returns. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.running.values()]);
  }

  /** The tenants whose log is ahead of their checkpoint (events written through any replica). */
  async sweep(): Promise<void> {
    try {
      const rows: Array<{ tenant_id: string }> = await this.deps.knex
        .select('h.tenant_id')
        .from('audit_log_heads as h')
        .leftJoin('alert_checkpoints as c', 'c.tenant_id', 'h.tenant_id')
        .whereRaw('h.last_sequence > coalesce(c.last_sequence, 0)');
      this.wake(
        rows.map((row) => row.tenant_id),
        'sweep',
      );
    } catch (err) {
      if (!this.stopped) this.deps.log.error({ err }, 'alerts: could not look for tenants to evaluate');
    }
  }

  private async run(tenant: string): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const changesBefore = this.configChanges.get(tenant) ?? 0;
        const outcome = await evaluateTenant(tenant, this.deps);
        if (outcome.status === 'busy') {
          setTimeout(() => this.wake([tenant], 'retry'), this.options.busyRetryMs).unref();
          return;
        }
        if (outcome.status === 'idle') return;
        if (outcome.status !== 'done' && outcome.status !== 'more') return;
        if ((this.configChanges.get(tenant) ?? 0) === changesBefore) this.customRules.set(tenant, outcome.customRules);
        if (outcome.alerts.length > 0) this.options.onRaised?.(outcome.alerts);
        if (outcome.status === 'done') return;
      }
    } catch (err) {
      if (!this.stopped) this.deps.log.error({ err, tenant }, 'alerts: evaluation failed; retried by the next sweep');
    }
  }
}
