// The client over the engine on a store this process opened (no --url): the same services the
// HTTP API calls, with the API's presentation of records so that output matches remote mode.
import { userInfo } from 'node:os';
import type { Actor, Json, RecordRow } from '../../domain/types.js';
import type { Engine } from '../../engine.js';
import * as present from '../../server/present.js';
import { recordQueryParameters, type ChangeView, type DeadLetterView, type ExecutionDetailView, type ExecutionView, type RecordView, type SwitchyardClient, type WorkflowVersionView, type WorkflowView } from './types.js';

// The API's presenters, typed as the views they produce.
const as = <V>(presenter: (row: never) => Record<string, unknown>) => (row: unknown): V => presenter(row as never) as unknown as V;
const view = as<RecordView>(present.presentRecord);
const changeView = as<ChangeView>(present.presentChange);
const workflowView = as<WorkflowView>(present.presentWorkflow);
const versionView = as<WorkflowVersionView>(present.presentWorkflowVersion);
const executionView = as<ExecutionView>(present.presentExecution);
const executionDetailView = as<ExecutionDetailView>(present.presentExecutionDetail);
const deadLetterView = as<DeadLetterView>(present.presentDeadLetter);

/** Who a local CLI write or stop says made it (invariant 9): the operating-system user, when known. */
function cliUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No passwd entry (some containers): the write still says it came from the CLI.
    return 'cli:unknown';
  }
}

export function localClient(engine: Engine, tenant: string): SwitchyardClient {
  const user = cliUser();
  const actor: Actor = { kind: 'user', id: user };
  return {
    target: `${engine.store.backend} store`,
    records: {
      get: async (type, id) => view(await engine.records.get(tenant, type, id)),
      list: async (type, query) => {
        // The same query parameters the API takes, checked by the same code.
        const page = await engine.records.find(tenant, type, recordQueryParameters(query));
        return { ...page, items: page.items.map((r: RecordRow) => view(r)) };
      },
      create: async (type, data, id) => view((await engine.records.create(tenant, type, data, actor, id)).record),
      update: async (type, id, data: Record<string, Json>, ifMatch) =>
        view((await engine.records.write({ op: 'patch', tenant, type, id, data, expectedVersion: ifMatch, actor })).record),
      history: async (type, id) => (await engine.records.history(tenant, type, id)).map((c) => changeView(c)),
      explain: (type, id, limit) => engine.explain.record(tenant, type, id, { limit }),
    },
    workflows: {
      list: async () => (await engine.workflows.list(tenant)).map((w) => workflowView(w)),
      show: async (id) => {
        const { workflow, versions } = await engine.workflows.show(tenant, id);
        return { workflow: workflowView(workflow), versions: versions.map((v) => versionView(v)) };
      },
      setEnabled: async (id, enabled) => workflowView(await engine.workflows.setEnabled(tenant, id, enabled)),
      pause: (id, reason) => engine.stops.pauseWorkflow(tenant, id, user, reason),
      resume: (id) => engine.stops.resumeWorkflow(tenant, id),
      deploy: (files) => engine.workflows.deployMany(tenant, files),
    },
    executions: {
      list: async (q) => (await engine.executions.list({ tenant, status: q.status, workflowId: q.workflow, recordType: q.recordType, recordId: q.recordId, limit: q.limit })).map((e) => executionView(e)),
      show: async (id) => executionDetailView(await engine.executions.show(tenant, id)),
    },
    deadLetters: {
      list: async (q) => (await engine.deadLetters.list(tenant, q)).map((e) => executionView(e)),
      show: async (id) => deadLetterView(await engine.deadLetters.show(tenant, id)),
      replay: (selection) => engine.deadLetters.replay(tenant, selection),
      discard: (selection) => engine.deadLetters.discard(tenant, selection),
    },
  };
}
