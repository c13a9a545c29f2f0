import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics, on a registry of its own so several servers can share a process in tests. */
export function createMetrics() {
  const registry = new Registry();
  // prom-client's own names already say process_ or nodejs_: berth_process_cpu_seconds_total.
  collectDefaultMetrics({ register: registry, prefix: 'berth_' });
  return {
    registry,
    sessions: new Gauge({
      name: 'berth_sessions',
      help: 'Live sessions by state.',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    sandboxStartSeconds: new Histogram({
      name: 'berth_sandbox_start_seconds',
      help: 'From asking the engine for a sandbox to its Docker engine answering: cold starts and pool refills.',
      buckets: [0.5, 1, 1.5, 2, 3, 5, 8, 13, 20, 30, 60],
      registers: [registry],
    }),
    sessionsCreated: new Counter({
      name: 'berth_sessions_created_total',
      help: 'Sessions created, by where their sandbox came from: the warm pool or a cold start.',
      labelNames: ['from'] as const,
      registers: [registry],
    }),
    poolSandboxes: new Gauge({
      name: 'berth_pool_sandboxes',
      help: 'Sandboxes in the warm pool, no reader yet, by state.',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    sandboxesReaped: new Counter({
      name: 'berth_sandboxes_reaped_total',
      help: 'Sandboxes removed without the reader asking, by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    sandboxCpuSeconds: new Histogram({
      name: 'berth_sandbox_cpu_seconds',
      help: 'CPU time one sandbox used over its life, its start included; observed when it is removed.',
      buckets: [1, 3, 10, 30, 100, 300, 1000, 3000],
      registers: [registry],
    }),
    sandboxDiskBytes: new Gauge({
      name: 'berth_sandbox_disk_bytes',
      help: 'Disk the ready sandboxes use together, each on a file system of its own (BERTH_SANDBOX_DISK each at most).',
      registers: [registry],
    }),
    startsWaiting: new Gauge({
      name: 'berth_admission_waiting',
      help: 'Readers waiting in the admission queue for a sandbox start slot (pool refills not counted).',
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'berth_refusals_total',
      help: 'Requests and upgrades refused for load or capacity (429 and 503 answers), by error code.',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    terminalsOpen: new Gauge({
      name: 'berth_terminals_open',
      help: 'Terminal WebSockets open now.',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Counts an error answered to a client when it is a refusal for load or capacity. */
export function countRefusal(
  metrics: Pick<Metrics, 'refusals'>,
  error: { status: number; code: string },
): void {
  if (error.status === 429 || error.status === 503) metrics.refusals.inc({ code: error.code });
}
