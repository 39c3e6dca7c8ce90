import { readFileSync } from 'node:fs';
import { ownCpuSeconds, postgresCpuSeconds } from '../support/cpu';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * Percent of one core over a phase: the server process (this one), the client process, the
 * PostgreSQL server (all its databases) and the whole machine (of 100 × cores), which includes
 * whatever else runs on it: when that is near its ceiling, every latency includes waiting for CPU.
 */
export interface CpuSplit {
  server: number;
  clients: number;
  postgres: number;
  machine: number;
}

/** Starts measuring; call the result with the clients' own CPU seconds over the same stretch. */
export function startCpuSplit(): (clientCpuSeconds: number) => CpuSplit {
  const [server, postgres, machine, started] = [
    ownCpuSeconds(),
    postgresCpuSeconds(),
    machineBusySeconds(),
    Date.now(),
  ];
  return (clientCpuSeconds) => {
    const wall = (Date.now() - started) / 1000;
    // A PostgreSQL backend that exits takes its ticks with it: clamp at zero.
    const percent = (seconds: number) => Math.max(0, Math.round((100 * seconds) / wall));
    return {
      server: percent(ownCpuSeconds() - server),
      clients: percent(clientCpuSeconds),
      postgres: percent(postgresCpuSeconds() - postgres),
      machine: percent(machineBusySeconds() - machine),
    };
  };
}

/** CPU seconds the whole machine spent busy so far, all cores (0 when /proc/stat is not readable). */
function machineBusySeconds(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
