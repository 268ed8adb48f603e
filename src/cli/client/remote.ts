// The client over a running server's HTTP API (--url / SWITCHYARD_URL, token from --token /
// SWITCHYARD_TOKEN). The server's token decides the tenant.
import type { Json } from '../../domain/types.js';
import type { Selection } from '../../services/dead-letters-service.js';
import type { RecordExplanation } from '../../services/explain.js';
import type { DeployResult } from '../../services/workflows-service.js';
import { Http, type HttpTarget } from './http.js';
import { recordQueryParameters, type ChangeView, type DeadLetterView, type PauseOutcome, type ResumeOutcome, type ExecutionDetailView, type ExecutionView, type RecordPageView, type RecordQuery, type RecordView, type SwitchyardClient, type WorkflowVersionView, type WorkflowView } from './types.js';

const seg = encodeURIComponent;

export function remoteClient(target: HttpTarget): SwitchyardClient {
  const http = new Http(target);
  return {
    target: http.url,
    records: {
      get: (type, id) => http.send<RecordView>('GET', `/v1/records/${seg(type)}/${seg(id)}`),
      list: (type, query: RecordQuery) => http.send<RecordPageView>('GET', `/v1/records/${seg(type)}`, { query: recordQueryParameters(query) }),
      create: (type, data, id) => http.send<RecordView>('POST', `/v1/records/${seg(type)}`, { body: id === undefined ? data : { id, ...data } }),
      update: (type, id, data: Record<string, Json>, ifMatch) => http.send<RecordView>('PATCH', `/v1/records/${seg(type)}/${seg(id)}`, {
        body: data, headers: ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` },
      }),
      history: async (type, id) => (await http.send<{ items: ChangeView[] }>('GET', `/v1/records/${seg(type)}/${seg(id)}/history`)).items,
      explain: (type, id, limit) => http.send<RecordExplanation>('GET', `/v1/records/${seg(type)}/${seg(id)}/explain`, { query: { limit } }),
    },
    workflows: {
      list: async () => (await http.send<{ items: WorkflowView[] }>('GET', '/v1/workflows')).items,
      show: (id) => http.send<{ workflow: WorkflowView; versions: WorkflowVersionView[] }>('GET', `/v1/workflows/${seg(id)}`),
      setEnabled: (id, enabled) => http.send<WorkflowView>('POST', `/v1/workflows/${seg(id)}/${enabled ? 'enable' : 'disable'}`),
      pause: (id, reason) => http.send<PauseOutcome>('POST', `/v1/workflows/${seg(id)}/pause`, reason === undefined ? {} : { body: { reason } }),
      resume: (id) => http.send<ResumeOutcome>('POST', `/v1/workflows/${seg(id)}/resume`),
      deploy: async (files) => (await http.send<{ items: DeployResult[] }>('POST', '/v1/deployments', {
        body: { definitions: files.map((f) => ({ file: f.file, definition: f.value })) },
      })).items,
    },
    executions: {
      list: async (q) => (await http.send<{ items: ExecutionView[] }>('GET', '/v1/executions', {
        query: { status: q.status, workflow: q.workflow, record_type: q.recordType, record_id: q.recordId, limit: q.limit },
      })).items,
      show: (id) => http.send<ExecutionDetailView>('GET', `/v1/executions/${seg(id)}`),
    },
    deadLetters: {
      list: async (q) => (await http.send<{ items: ExecutionView[] }>('GET', '/v1/dead-letters', { query: { workflow: q.workflow, limit: q.limit } })).items,
      show: (id) => http.send<DeadLetterView>('GET', `/v1/dead-letters/${seg(id)}`),
      replay: async (selection: Selection) => (await http.send<{ replayed: string[] }>('POST', '/v1/dead-letters/replay', { body: selection })).replayed,
      discard: async (selection: Selection) => (await http.send<{ discarded: string[] }>('POST', '/v1/dead-letters/discard', { body: selection })).discarded,
    },
  };
}
