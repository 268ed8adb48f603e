// Lookup conditions end to end, on both stores: the call goes through the connector layer to a
// loopback HTTP service, its answer is checkpointed (one call per execution, across retries) and
// visible to later steps, failures follow the step retry rules, and the lookup is ranked with
// the CEL checks by measured cost and selectivity, on totals that survive a restart.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { RawConfig } from '../../src/config.js';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

interface Service { port: number; calls: string[]; answer: (req: IncomingMessage, res: ServerResponse) => void; close(): Promise<void> }
const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

/** A scoring service: answers { score } from the account in the path, or as `answer` says. */
async function scoring(): Promise<Service> {
  const state: Service = {
    port: 0, calls: [], close: () => Promise.resolve(),
    answer: (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ score: req.url?.endsWith('/low') ? 3 : 9, tier: 'gold' }));
    },
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.calls.push(req.url ?? '');
      state.answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  services.push(state);
  return state;
}

function config(...ports: number[]): RawConfig {
  return {
    connectors: { default: ports.map((port, i) => ({ name: i === 0 ? 'scoring' : `api${i}`, type: 'http', settings: { baseUrl: `http://127.0.0.1:${port}` } })) },
    outbound: { allow: ports.map((port) => `127.0.0.1:${port}`) },
  };
}

const scoreLookup = (extra: object = {}) => ({
  lookup: 'customer_score', connector: 'scoring', request: { path: '"/scores/" + record.account_id' }, when: 'result.score > 8', ...extra,
});

const workflow = (conditions: unknown[], actions: unknown[] = [{ id: 'flag', type: 'record.update', set: { priority: '"high"' } }]) => ({
  id: 'score-gate', name: 'Flag well-scored deals', object: 'deal', trigger: { on: 'created' }, conditions, actions,
});

async function only(engine: TestEngine) {
  const [exec] = await engine.store.listExecutions({ tenant: 'default', workflowId: 'score-gate' });
  if (!exec) throw new Error('no execution');
  return exec;
}

await forEachStore('lookup conditions', (make, _backend, reopen) => {
  let engine: TestEngine | undefined;
  let second: TestEngine | undefined;
  afterEach(async () => {
    await closeEngine(second);
    await closeEngine(engine);
    engine = second = undefined;
  });

  it('calls the service once, gates on its answer and shows it to later steps as lookups.<name>', async () => {
    const service = await scoring();
    engine = await make(config(service.port));
    await engine.workflows.deploy('default', workflow([scoreLookup()], [
      { id: 'copy', type: 'record.update', set: { probability: 'lookups.customer_score.score / 10.0', owner_team: 'lookups.customer_score.tier' } },
    ]));
    await engine.records.create('default', 'deal', { name: 'Acme', account_id: 'acme' }, USER, 'd1');
    await engine.records.create('default', 'deal', { name: 'Tiny', account_id: 'low' }, USER, 'd2');
    await engine.worker.drain();

    expect(service.calls.sort()).toEqual(['/scores/acme', '/scores/low']);
    expect((await engine.store.getRecord('default', 'deal', 'd1'))?.data).toMatchObject({ probability: 0.9, owner_team: 'gold' });
    const execs = await engine.store.listExecutions({ tenant: 'default', workflowId: 'score-gate' });
    const byRecord = Object.fromEntries(execs.map((e) => [e.recordId, e]));
    expect(byRecord.d1?.status).toBe('succeeded');
    expect(byRecord.d2?.status).toBe('skipped');
    expect(byRecord.d2?.reason).toBe('condition 0 is false: lookup customer_score: result.score > 8');
    // The answer is a checkpoint of the execution, shown with its steps.
    const steps = await engine.store.listSteps(byRecord.d1!.id);
    expect(steps.map((s) => [s.stepId, s.status])).toEqual([['lookup:customer_score', 'succeeded'], ['copy', 'succeeded']]);
    expect(steps[0]?.output).toEqual({ result: { score: 9, tier: 'gold' }, status: 200 });
  });

  it('a retried step does not call the lookup again: its answer is the execution\'s checkpoint', async () => {
    const service = await scoring();
    const api = await scoring();
    let apiUp = false;
    api.answer = (_req, res) => {
      res.statusCode = apiUp ? 200 : 503;
      res.end('{}');
    };
    engine = await make(config(service.port, api.port), () => 0.5);
    await engine.workflows.deploy('default', workflow([scoreLookup()], [
      { id: 'notify', type: 'http.request', connector: 'api1', path: '"/hook"', body: { score: 'lookups.customer_score.score' }, retry: { attempts: 3, initial: '5s' } },
    ]));
    await engine.records.create('default', 'deal', { name: 'Acme', account_id: 'acme' }, USER, 'd1');
    await engine.worker.drain();
    expect((await only(engine)).status).toBe('queued');
    expect(api.calls).toHaveLength(1);

    apiUp = true;
    engine.clock.advance(5_000);
    await engine.worker.drain();
    expect((await only(engine)).status).toBe('succeeded');
    expect(api.calls).toHaveLength(2);
    expect(service.calls).toEqual(['/scores/acme']); // one call across both attempts
  });

  it('a failing lookup is retried by the step rules, then dead-letters with an alert', async () => {
    const service = await scoring();
    let status = 503;
    service.answer = (_req, res) => {
      res.statusCode = status;
      res.end(JSON.stringify({ score: 9 }));
    };
    engine = await make(config(service.port), () => 0.5);
    await engine.workflows.deploy('default', workflow([scoreLookup({ retry: { attempts: 3, initial: '5s', factor: 5 } })]));
    await engine.records.create('default', 'deal', { name: 'Acme', account_id: 'acme' }, USER, 'd1');
    await engine.worker.drain();
    let exec = await only(engine);
    expect(exec.status).toBe('queued');
    expect(exec.reason).toMatch(/^lookup customer_score attempt 1 of 3 failed \(UPSTREAM_ERROR\)/);

    engine.clock.advance(4_999);
    await engine.worker.drain();
    expect(service.calls).toHaveLength(1); // backoff on the injected clock
    engine.clock.advance(1);
    await engine.worker.drain();
    expect(service.calls).toHaveLength(2);

    status = 404; // not retryable: dead-letters at once
    engine.clock.advance(25_000);
    await engine.worker.drain();
    exec = await only(engine);
    expect(service.calls).toHaveLength(3);
    expect(exec.status).toBe('failed');
    expect(exec.reason).toMatch(/^lookup customer_score failed after 3 attempt\(s\): UPSTREAM_REJECTED/);
    const attempts = await engine.store.listAttempts(exec.id);
    expect(attempts.map((a) => [a.stepId, a.code, a.retryable])).toEqual([
      ['lookup:customer_score', 'UPSTREAM_ERROR', true], ['lookup:customer_score', 'UPSTREAM_ERROR', true], ['lookup:customer_score', 'UPSTREAM_REJECTED', false],
    ]);
    const alerts = await engine.store.listAlerts('default', 10);
    expect(alerts.some((a) => a.kind === 'dead_letter' && a.message.includes('lookup customer_score'))).toBe(true);
  });

  it('lookup failures count against the connector breaker; while it is open, executions wait without a call or an attempt', async () => {
    const service = await scoring();
    service.answer = (_req, res) => {
      res.statusCode = 503;
      res.end('{}');
    };
    const raw = config(service.port);
    const connectors = (raw.connectors as { default: Record<string, unknown>[] }).default;
    connectors[0] = { ...connectors[0], breaker: { failureRate: 0.5, window: '5m', minimumVolume: 1, openFor: '1m' } };
    engine = await make(raw, () => 0.5);
    await engine.workflows.deploy('default', workflow([scoreLookup({ retry: { attempts: 1 } })]));
    await engine.records.create('default', 'deal', { name: 'First', account_id: 'a' }, USER, 'd1');
    await engine.worker.drain();
    await engine.records.create('default', 'deal', { name: 'Second', account_id: 'b' }, USER, 'd2');
    await engine.worker.drain();

    expect(service.calls).toEqual(['/scores/a']);
    const execs = Object.fromEntries((await engine.store.listExecutions({ tenant: 'default', workflowId: 'score-gate' })).map((e) => [e.recordId, e]));
    expect(execs.d1?.status).toBe('failed');
    expect(execs.d2?.status).toBe('queued');
    expect(execs.d2?.reason).toBe('waiting: circuit breaker connector:scoring is open');
    expect(await engine.store.listAttempts(execs.d2!.id)).toEqual([]);
  });

  it('a lookup written first runs after the cheap check once both are measured', async () => {
    const service = await scoring();
    engine = await make(config(service.port));
    await engine.workflows.deploy('default', workflow([scoreLookup(), 'record.stage == "Negotiation"']));
    const create = async (id: string, stage: string): Promise<void> => {
      await engine!.records.create('default', 'deal', { name: id, account_id: id, stage }, USER, id);
      await engine!.worker.drain();
    };
    await create('n1', 'Negotiation'); // written order: the lookup first (nothing measured yet)
    expect(service.calls).toEqual(['/scores/n1']);
    for (let i = 0; i < 5; i++) await create(`p${i}`, 'Prospecting');
    await create('n2', 'Negotiation');
    // Measured: the cheap check decides the Prospecting deals alone; the lookup runs only after it passed.
    expect(service.calls).toEqual(['/scores/n1', '/scores/n2']);
    const skipped = (await engine.store.listExecutions({ tenant: 'default', workflowId: 'score-gate', status: 'skipped' }));
    expect(skipped.map((e) => e.reason)).toEqual(Array(5).fill('condition 1 is false: record.stage == "Negotiation"'));
  });

  it('the measurements are written in batches and a restarted engine orders by them', async () => {
    const service = await scoring();
    engine = await make(config(service.port));
    await engine.workflows.deploy('default', workflow([scoreLookup(), 'record.stage == "Negotiation"']));
    for (const id of ['n1', 'n2']) {
      await engine.records.create('default', 'deal', { name: id, account_id: id, stage: 'Negotiation' }, USER, id);
      await engine.worker.drain();
    }
    expect(service.calls).toHaveLength(2);
    // Nothing written per evaluation: the totals reach the store with the next flush (here: stop).
    expect(await engine.store.listConditionStats('default', 'score-gate')).toEqual([]);
    await engine.stop();
    const rows = await engine.store.listConditionStats('default', 'score-gate');
    expect(rows.map((r) => [r.conditionKey.split(':')[0], r.runs, r.falses]).sort()).toEqual([['cel', 2, 0], ['lookup', 2, 0]]);

    // Another engine on the same store (a restart, or another process) ranks on those totals.
    second = await reopen(engine, config(service.port));
    await second.records.create('default', 'deal', { name: 'p', account_id: 'p', stage: 'Prospecting' }, USER, 'p');
    await second.worker.drain();
    expect(service.calls).toHaveLength(2); // the cheap check ran first and decided
    expect((await second.store.listExecutions({ tenant: 'default', workflowId: 'score-gate', status: 'skipped' }))).toHaveLength(1);
  });
});
