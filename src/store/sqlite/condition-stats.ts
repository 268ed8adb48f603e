// Condition stats on the embedded store: read per workflow, deltas added in one transaction.
import type { ConditionStatsRow } from '../types.js';
import type { SqliteConnection } from './connection.js';
import { Q } from './queries.js';

interface ConditionStatsSql {
  tenant: string;
  workflow_id: string;
  condition_key: string;
  runs: number;
  falses: number;
  total_ms: number;
}

export function listConditionStats(conn: SqliteConnection, tenant: string, workflowId: string): Promise<ConditionStatsRow[]> {
  return conn.exclusive(() => conn.all<ConditionStatsSql>(Q.listConditionStats, { tenant, workflowId }).map((r) => ({
    tenant: r.tenant, workflowId: r.workflow_id, conditionKey: r.condition_key, runs: r.runs, falses: r.falses, totalMs: r.total_ms,
  })));
}

export function addConditionStats(conn: SqliteConnection, deltas: ConditionStatsRow[], now: number): Promise<void> {
  if (deltas.length === 0) return Promise.resolve();
  return conn.exclusive(() => conn.atomic(() => {
    for (const d of deltas) conn.run(Q.addConditionStats, { ...d, now });
  }));
}
