// Prometheus metrics, fed by the engine's typed events (counters, histograms) and by the store at
// scrape time (queue depth). One registry per engine, so tests and multiple engines never collide.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../store/port.js';
import type { EngineEvents } from './events.js';

export function createMetrics(events: EngineEvents, store: Store): Registry {
  const registry = new Registry();
  const executions = new Counter({ name: 'switchyard_executions_finished_total', help: 'Executions that ended or were requeued, by outcome', labelNames: ['tenant', 'workflow', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'switchyard_execution_duration_seconds', help: 'From claim to end of an execution run', labelNames: ['tenant', 'workflow'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers: [registry],
  });
  const steps = new Counter({ name: 'switchyard_steps_total', help: 'Step checkpoints by status', labelNames: ['tenant', 'workflow', 'step', 'status'], registers: [registry] });
  const alerts = new Counter({ name: 'switchyard_alerts_total', help: 'Alerts raised by kind', labelNames: ['tenant', 'kind', 'severity'], registers: [registry] });
  const undelivered = new Counter({ name: 'switchyard_alerts_undelivered_total', help: 'Alerts the alert connector did not accept', labelNames: ['tenant'], registers: [registry] });
  const calls = new Counter({ name: 'switchyard_connector_calls_total', help: 'Outside calls by connector and outcome', labelNames: ['tenant', 'connector', 'outcome'], registers: [registry] });
  const cost = new Counter({ name: 'switchyard_connector_cost_total', help: 'Cost of outside calls (connector costPerCall x calls)', labelNames: ['tenant', 'connector'], registers: [registry] });
  const lostLeases = new Counter({ name: 'switchyard_leases_lost_total', help: 'Executions this process stopped because another worker took them over', registers: [registry] });
  new Gauge({
    name: 'switchyard_executions', help: 'Executions in the store by status (all tenants)', labelNames: ['status'], registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await store.countExecutionsByStatus())) this.set({ status }, n ?? 0);
    },
  });

  const started = new Map<string, number>();
  events.on('execution:claimed', (e) => started.set(e.id, performance.now()));
  events.on('execution:finished', (e, status) => {
    executions.inc({ tenant: e.tenant, workflow: e.workflowId, status });
    const t0 = started.get(e.id);
    started.delete(e.id);
    if (t0 !== undefined) duration.observe({ tenant: e.tenant, workflow: e.workflowId }, (performance.now() - t0) / 1000);
  });
  events.on('lease:lost', (id) => {
    started.delete(id);
    lostLeases.inc();
  });
  events.on('step:finished', (e, s) => steps.inc({ tenant: e.tenant, workflow: e.workflowId, step: s.stepId, status: s.status }));
  events.on('alert:raised', (a) => alerts.inc({ tenant: a.tenant, kind: a.kind, severity: a.severity }));
  events.on('alert:undelivered', (a) => undelivered.inc({ tenant: a.tenant }));
  events.on('connector:called', (tenant, connector, ok, costPerCall) => {
    calls.inc({ tenant, connector, outcome: ok ? 'ok' : 'failed' });
    if (costPerCall > 0) cost.inc({ tenant, connector }, costPerCall);
  });
  return registry;
}

/** Series without a tenant label that say nothing about any tenant's data. */
const TENANTLESS_SERIES = new Set(['switchyard_leases_lost_total']);

/**
 * The Prometheus text exposition narrowed to one tenant: samples labelled with another tenant, and
 * store-wide series (which add every tenant up), are dropped. Comment lines (HELP/TYPE) stay.
 */
export function tenantMetrics(text: string, tenant: string): string {
  const want = `tenant="${tenant.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  return text.split('\n').filter((line) => {
    if (line === '' || line.startsWith('#')) return true;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? '';
    const labels = line.startsWith('{', name.length) ? line.slice(name.length, line.indexOf('}', name.length) + 1) : '';
    if (!/[{,]tenant="/.test(labels)) return TENANTLESS_SERIES.has(name);
    return labels.includes(`{${want}`) || labels.includes(`,${want}`);
  }).join('\n');
}
