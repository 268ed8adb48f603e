// From runs to figures: each figure is the median of its runs with min and max, a ratio beside it
// (to a peer where a peer measures the same thing, else to the figure's own baseline), and the
// issue's target where it has one. Prints the table and writes bench/RESULTS.md's generated part.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { MachineInfo } from './lib.js';
import { round, spread, type Spread } from './lib.js';
import type { PeerLatency, PeerResult, PeerThroughput } from './peers.js';
import type { Job } from './plan.js';

export interface RunRecord { job: Job; runs: Record<string, unknown>[]; idleBefore: (number | null)[] }

export interface Figure extends Spread {
  id: string;
  label: string;
  unit: string;
  /** value / reference, and what the reference is. */
  ratio?: { value: number; vs: string };
  target?: { text: string; met: boolean };
  note?: string;
}

const num = (r: Record<string, unknown>, key: string): number => Number(r[key]);
const ok = (rec: RunRecord): Record<string, unknown>[] => rec.runs.filter((r) => !('error' in r));

function peerThroughput(peers: PeerResult[], peer: string, batchedOnly = false): { median: number; what: string } | undefined {
  const t = peers.find((p): p is PeerThroughput => p.peer === peer && p.scenario === 'throughput');
  if (!t) return undefined;
  if (!batchedOnly) return { median: t.median, what: `${peer} ${t.median} jobs/s` };
  const batched = t.candidates.filter((c) => 'localQueueSize' in c.config);
  const best = batched.reduce<(typeof batched)[number] | undefined>((a, b) => (!a || b.median > a.median ? b : a), undefined);
  return best && { median: best.median, what: `${peer} batched ${best.median} jobs/s` };
}

const peerLatency = (peers: PeerResult[], peer: string): PeerLatency | undefined =>
  peers.find((p): p is PeerLatency => p.peer === peer && p.scenario === 'latency');

export function buildFigures(records: RunRecord[], peers: PeerResult[]): Figure[] {
  const figures: Figure[] = [];
  const push = (rec: RunRecord, id: string, label: string, unit: string, values: number[], extra: Partial<Figure> = {}): void => {
    if (values.length === 0) return;
    const failed = rec.runs.length - values.length;
    // A figure of a --sqlite-drivers run names its driver.
    const driver = rec.job.options.sqliteDriver;
    if (typeof driver === 'string') label = `${label}, SQLite driver ${driver === 'node' ? 'node:sqlite' : driver}`;
    figures.push({ id, label, unit, ...spread(values.map((v) => round(v, 2))), ...(failed > 0 ? { note: `${failed} run(s) failed` } : {}), ...extra });
  };
  const bullmq = peerThroughput(peers, 'bullmq');
  const graphileBatched = peerThroughput(peers, 'graphile-worker', true);
  const zeroWorkflowP99 = new Map<string, number>();
  const oneByOne = new Map<string, number>();

  for (const rec of records) {
    const runs = ok(rec);
    const o = rec.job.options;
    const backend = typeof o.backend === 'string' ? o.backend : '';
    switch (rec.job.scenario) {
      case 'throughput': {
        const embedded = o.workers === 0;
        const values = runs.map((r) => num(r, 'value'));
        const ref = embedded ? bullmq : graphileBatched;
        const median = spread(values).median;
        const ratio = ref ? { value: round(median / ref.median, 2), vs: ref.what } : undefined;
        const chunk = Number(o.chunk ?? 1);
        // The targets compare like with like: the peers add their jobs in bulk, so do the bulk figures.
        const target = !ref || chunk <= 1 ? undefined
          : embedded ? { text: '>= BullMQ no-op jobs/s', met: median >= ref.median }
          : o.workers === 2 ? { text: '>= 0.2x graphile-worker best batched', met: median >= ref.median * 0.2 } : undefined;
        const where = embedded ? 'embedded (SQLite), worker in process' : `PostgreSQL, ${String(o.workers)} worker process(es)`;
        const written = chunk > 1 ? `written ${chunk} per transaction` : 'one write per transaction';
        push(rec, rec.job.id, `1 end-to-end ${String(o.changes)} changes ${written}, ${where}`, 'exec/s', values, { ratio, target });
        const rss = runs.map((r) => (embedded ? num(r, 'peakRssMiB') : Math.max(...(r.workerPeakRssMiB as number[]))));
        push(rec, `memory/peak/${rec.job.id}`, `4 peak RSS during 1, ${embedded ? 'embedded engine' : `largest of ${String(o.workers)} worker(s)`}`, 'MiB', rss);
        break;
      }
      case 'executor': {
        const values = runs.map((r) => num(r, 'value'));
        const mode = o.batchCommit === true ? 'batched commits' : 'one by one (before)';
        const key = `executor/${backend}${typeof o.sqliteDriver === 'string' ? `@${o.sqliteDriver}` : ''}`;
        if (o.batchCommit !== true) oneByOne.set(key, spread(values).median);
        const before = oneByOne.get(key);
        const ratio = o.batchCommit === true && before ? { value: round(spread(values).median / before, 2), vs: `one by one ${before} exec/s` } : undefined;
        push(rec, rec.job.id, `1b executor alone, ${String(o.changes)} queued, 1 worker in process, ${backend}, ${mode}`, 'exec/s', values, { ratio });
        push(rec, `${rec.job.id}/statements`, `1b store statements per execution (${backend === 'postgres' ? 'round trips' : 'in process'}), ${backend}, ${mode}`, 'stmt', runs.map((r) => num(r, 'statementsPerExecution')));
        break;
      }
      case 'write-latency': {
        const wf = Number(o.workflows);
        const p99 = runs.map((r) => num(r, 'p99'));
        if (wf === 0) zeroWorkflowP99.set(backend, spread(p99).median);
        const base = zeroWorkflowP99.get(backend);
        const ratio = base && wf > 0 ? { value: round(spread(p99).median / base, 2), vs: `p99 at 0 workflows (${base} ms)` } : undefined;
        push(rec, `${rec.job.id}/p50`, `2 HTTP write p50, ${wf} matching workflows, ${backend}`, 'ms', runs.map((r) => num(r, 'p50')));
        push(rec, `${rec.job.id}/p99`, `2 HTTP write p99, ${wf} matching workflows, ${backend}`, 'ms', p99, {
          ratio, target: wf === 50 ? { text: '< 5 ms', met: spread(p99).median < 5 } : undefined,
        });
        break;
      }
      case 'write-history': {
        const where = `${String(o.workflows)} matching workflows with re-entry rules, ${String(o.history)} executions already on the record, worker off, ${backend}`;
        push(rec, `${rec.job.id}/p50`, `2b HTTP write p50, ${where}`, 'ms', runs.map((r) => num(r, 'p50')));
        const p99 = runs.map((r) => num(r, 'p99'));
        push(rec, `${rec.job.id}/p99`, `2b HTTP write p99, ${where}`, 'ms', p99, { target: { text: '< 5 ms', met: spread(p99).median < 5 } });
        break;
      }
      case 'dispatch': {
        const peer = backend === 'sqlite' ? 'bullmq' : 'graphile-worker';
        const pl = peerLatency(peers, peer);
        const limit = backend === 'sqlite' ? 5 : 10;
        for (const q of ['p50', 'p95', 'p99'] as const) {
          const values = runs.map((r) => num(r, q));
          const ref = pl?.median[q];
          push(rec, `${rec.job.id}/${q}`, `3 dispatch ${q}, ${String(o.rate)} changes/s, ${backend}`, 'ms', values, {
            ratio: ref ? { value: round(spread(values).median / ref, 2), vs: `${peer} ${q} ${ref} ms` } : undefined,
            target: q === 'p99' ? { text: `< ${limit} ms`, met: spread(values).median < limit } : undefined,
          });
        }
        break;
      }
      case 'memory': {
        const r = runs[0];
        if (!r) break;
        push(rec, 'memory/rss-1m', `4 RSS after 1 min of ${String(o.rate)} changes/s, embedded`, 'MiB', [num(r, 'rssAt1mMiB')]);
        push(rec, 'memory/rss-end', `4 RSS after ${String(o.minutes)} min of ${String(o.rate)} changes/s, embedded`, 'MiB', [num(r, 'rssAtEndMiB')], {
          ratio: { value: num(r, 'growth'), vs: 'RSS after 1 min' }, note: 'one run',
        });
        break;
      }
      case 'conditions': {
        const values = runs.map((r) => num(r, 'value'));
        const written = spread(runs.map((r) => num(r, 'writtenMs'))).median;
        const ratio = round(spread(values).median / written, 2);
        push(rec, 'conditions/engine-order', `5 mean condition time, ${String(o.executions)} executions, lookup written first (loopback service answering in ${String(o.lookupMs)} ms), cheap check false for ${String(Number(o.cheapFalse) * 100)} %`, 'ms', values, {
          ratio: { value: ratio, vs: `written order ${written} ms` },
          target: { text: '<= 0.6x written order', met: ratio <= 0.6 },
        });
        break;
      }
      case 'claim': {
        push(rec, `${rec.job.id}/median`, `claim 50 of ${String(o.backlog)} queued (${String(o.shape)}), median of ${String(o.claims)}`, 'ms', runs.map((r) => num(r, 'value')));
        push(rec, `${rec.job.id}/max`, `claim 50 of ${String(o.backlog)} queued (${String(o.shape)}), max of ${String(o.claims)}`, 'ms', runs.map((r) => num(r, 'maxMs')));
        break;
      }
    }
  }
  for (const p of peers) {
    if (p.scenario === 'throughput') {
      figures.push({ id: `peer/${p.peer}/throughput`, label: `6 ${p.peer} ${p.version} no-op throughput ${JSON.stringify(p.config)}`, unit: 'jobs/s', median: p.median, min: p.min, max: p.max, runs: p.runs });
    } else {
      for (const q of ['p50', 'p95', 'p99'] as const) {
        figures.push({ id: `peer/${p.peer}/latency/${q}`, label: `6 ${p.peer} ${p.version} add-to-start ${q}`, unit: 'ms', median: p.median[q], min: p.min[q], max: p.max[q], runs: [] });
      }
    }
  }
  return figures;
}

function rows(figures: Figure[]): string[][] {
  return figures.map((f) => [
    f.label,
    `${f.median} [${f.min}..${f.max}]`,
    f.unit,
    f.ratio ? `${f.ratio.value}x ${f.ratio.vs}` : '',
    f.target ? `${f.target.met ? 'met' : 'MISSED'}: ${f.target.text}` : '',
    f.note ?? '',
  ]);
}

const HEADER = ['figure', 'median [min..max]', 'unit', 'ratio (vs)', 'target', 'note'];

export function printTable(figures: Figure[]): string {
  const all = [HEADER, ...rows(figures)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function markdownTable(figures: Figure[]): string {
  const esc = (s: string): string => s.replaceAll('|', '\\|');
  return [HEADER, HEADER.map(() => '---'), ...rows(figures)].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
}

const BEGIN = '<!-- bench:generated:begin -->';
const END = '<!-- bench:generated:end -->';

interface Output { command: string; at: string; minutes: number; machine: MachineInfo; figures: Figure[]; peersError?: string }

/** Rewrites only the part of RESULTS.md between the markers; the notes around it are kept. */
export function updateResultsMd(path: string, out: Output): void {
  const m = out.machine;
  const generated = [
    BEGIN,
    `Generated by \`${out.command}\` on ${out.at} (${out.minutes} min).`,
    '',
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.os}; Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}.`,
    ...(out.peersError ? ['', `Peers did not run: ${out.peersError}`] : []),
    '',
    markdownTable(out.figures),
    END,
  ].join('\n');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : `# Benchmark results\n\n${BEGIN}\n${END}\n`;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next = start >= 0 && end > start
    ? current.slice(0, start) + generated + current.slice(end + END.length)
    : `${current.trimEnd()}\n\n${generated}\n`;
  writeFileSync(path, next);
}
