// `npm run bench`: every scenario of issue 6, each run in a fresh process, the peers in the same
// run; prints a table, writes JSON (bench/results/latest.json) and the generated part of
// bench/RESULTS.md. See bench/README.md.
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { machineInfo, now, round, waitForIdleCpu } from './lib.js';
import { runPeers, type PeerResult } from './peers.js';
import { parseFlags, plan, USAGE, type Job } from './plan.js';
import { buildFigures, printTable, updateResultsMd, type RunRecord } from './report.js';
import { withPg } from './scenarios/common.js';

const root = resolve(import.meta.dirname, '..');
const parsed = (() => {
  try {
    return parseFlags(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();
if (parsed === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const flags = parsed;
const log = (line: string): void => { process.stdout.write(`${line}\n`); };
const outFile = resolve(root, flags.out);
mkdirSync(dirname(outFile), { recursive: true });

/** Runs one measured run of a scenario in a fresh Node process; resolves with its result. */
function runChild(job: Job, run: number): Promise<Record<string, unknown>> {
  const profileDir = join(dirname(outFile), 'profiles');
  const execArgv = ['--import', 'tsx', ...(flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${job.id.replaceAll('/', '_')}-${run}.cpuprofile`] : [])];
  return new Promise((resolvePromise, reject) => {
    const child = fork(join(import.meta.dirname, 'child.ts'), [job.scenario, JSON.stringify({ ...job.options, seed: run + 1 })], { cwd: root, execArgv });
    let reply: { ok: boolean; result?: Record<string, unknown>; error?: string } | undefined;
    child.on('message', (m) => { reply = m as typeof reply; });
    child.on('exit', (code) => {
      if (reply?.ok && reply.result) resolvePromise(reply.result);
      else reject(new Error(`${job.id} run ${run + 1} failed (exit ${code}): ${reply?.error ?? 'no result'}`));
    });
  });
}

const started = now();
const machine = machineInfo();
machine.postgres = await withPg(async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? 'unknown').catch(() => 'unreachable');
log(`switchyard bench: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}`);

const records: RunRecord[] = [];
for (const job of plan(flags)) {
  const runs: Record<string, unknown>[] = [];
  const idle: (number | null)[] = [];
  for (let r = 0; r < job.runs; r++) {
    idle.push(flags.idleWait > 0 ? await waitForIdleCpu(flags.idleWait) : null);
    const t = now();
    const result: Record<string, unknown> = await runChild(job, r).catch((error: Error) => ({ error: error.message }));
    runs.push(result);
    const headline = Number(result.value ?? result.p99 ?? result.rssAtEndMiB);
    const shown = 'error' in result ? `FAILED: ${String(result.error)}` : `${headline} (${round((now() - t) / 1000, 1)} s)`;
    log(`  ${job.id} run ${r + 1}/${job.runs}: ${shown}`);
  }
  records.push({ job, runs, idleBefore: idle });
}

let peers: PeerResult[] = [];
let peersError: string | undefined;
if (flags.only.has('peers')) {
  const peerOut = join(dirname(outFile), 'peers.json');
  const r = runPeers({ jobs: flags.peerJobs, runs: flags.runs, rate: flags.dispatchRate, seconds: flags.dispatchSeconds, idleWait: flags.idleWait, outFile: peerOut }, log);
  peers = r.results;
  peersError = r.error;
  if (peersError) log(`peers: ${peersError}`);
}

const figures = buildFigures(records, peers);
const command = `npm run bench${flags.argv.length > 0 ? ` -- ${flags.argv.join(' ')}` : ''}`;
const output = { command, at: new Date().toISOString(), minutes: round((now() - started) / 60_000, 1), machine, flags: { ...flags, only: [...flags.only] }, figures, peers, peersError, records };
writeFileSync(outFile, `${JSON.stringify(output, null, 2)}\n`);
log('');
log(printTable(figures));
log(`\nJSON: ${outFile} (${output.minutes} min)`);
if (flags.resultsMd) {
  updateResultsMd(resolve(import.meta.dirname, 'RESULTS.md'), output);
  log('bench/RESULTS.md: generated section updated');
}
process.exit(0);
