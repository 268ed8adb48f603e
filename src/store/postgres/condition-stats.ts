// Condition stats on PostgreSQL: read per workflow; a batch of deltas is added in one statement
// (unnest), in key order so that two processes adding to the same rows take their locks alike.
import type pg from 'pg';
import type { ConditionStatsRow } from '../types.js';
import { Q } from './queries.js';

export interface ConditionStatsSql {
  tenant: string;
  workflow_id: string;
  condition_key: string;
  runs: number;
  falses: number;
  total_ms: number;
}

export async function listConditionStats(query: (text: string, values: unknown[]) => Promise<ConditionStatsSql[]>, tenant: string, workflowId: string): Promise<ConditionStatsRow[]> {
  return (await query(Q.listConditionStats, [tenant, workflowId])).map((r) => ({
    tenant: r.tenant, workflowId: r.workflow_id, conditionKey: r.condition_key, runs: Number(r.runs), falses: Number(r.falses), totalMs: Number(r.total_ms),
  }));
}

export async function addConditionStats(client: pg.ClientBase, deltas: ConditionStatsRow[], now: number): Promise<void> {
  const sorted = [...deltas].sort((a, b) => compare(a.tenant, b.tenant) || compare(a.workflowId, b.workflowId) || compare(a.conditionKey, b.conditionKey));
  await client.query(Q.addConditionStats, [
    sorted.map((d) => d.tenant), sorted.map((d) => d.workflowId), sorted.map((d) => d.conditionKey),
    sorted.map((d) => d.runs), sorted.map((d) => d.falses), sorted.map((d) => d.totalMs), now,
  ]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
