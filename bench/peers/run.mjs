// Runs the peer benchmarks R times each and reports median/min/max.
// Usage: node run.mjs [--jobs N] [--runs R] [--only bullmq|graphile-worker] [--out FILE]
//        [--rate 200] [--seconds 10] [--idle-wait S]   (see README.md)
import { writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { waitForIdleCpu } from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    out: { type: 'string' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    'idle-wait': { type: 'string', default: '30' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help) {
  console.log('node run.mjs [--jobs 20000] [--runs 3] [--only bullmq|graphile-worker] [--out FILE] [--rate 200] [--seconds 10] [--idle-wait 30]');
  process.exit(0);
}
const jobs = Number(opts.jobs);
const runs = Number(opts.runs);
const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const idleWait = Number(opts['idle-wait']);
const names = ['bullmq', 'graphile-worker'];
if (opts.only && !names.includes(opts.only)) fail(`--only must be one of ${names.join(', ')}`);
if (!(idleWait >= 0)) fail('--idle-wait must be a number of seconds (0 disables)');
if (![jobs, runs, rate, seconds].every((n) => Number.isInteger(n) && n > 0)) fail('--jobs, --runs, --rate and --seconds must be positive integers');

// Human-readable progress goes to stderr when the JSON goes to stdout.
const log = opts.out ? console.log : console.error;
function fail(message) {
  console.error(`error: ${message}`);
  process.exit(2);
}

const peers = [];
for (const name of names.filter((n) => !opts.only || n === opts.only)) {
  const mod = await import(`./${name}.mjs`);
  await mod.check().catch((err) => fail(err.message));
  peers.push(mod);
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
// Median: the middle run (the lower middle one for an even --runs).
const stats = (xs) => { const s = sorted(xs); return { median: s[(s.length - 1) >> 1], min: s[0], max: s[s.length - 1] }; };
// Before each measured run, wait (up to --idle-wait s) for the CPUs to be idle; record
// that idle fraction and the 1-min load average after the run, to spot a busy machine.
const settle = () => (idleWait > 0 ? waitForIdleCpu({ maxWaitS: idleWait }) : null);
const measure = async (fn) => { const idleBefore = await settle(); return { ...(await fn()), idleBefore, load1: Number(loadavg()[0].toFixed(2)) }; };

const results = [];
log(`peer benchmarks: ${jobs} jobs, ${runs} runs, latency ${rate} jobs/s for ${seconds} s, ${cpus().length} CPUs, node ${process.version}`);
for (const p of peers) {
  await p.throughput({ jobs: Math.min(1000, jobs), ...p.throughputConfigs[0] }); // warm-up, not recorded

  // Throughput: every candidate configuration R times; the best median is reported.
  const candidates = [];
  for (const config of p.throughputConfigs) {
    const detail = [];
    for (let r = 0; r < runs; r++) detail.push(await measure(() => p.throughput({ jobs, ...config })));
    const values = detail.map((d) => d.value);
    candidates.push({ config, runs: values, ...stats(values), detail });
    log(`${p.peer} throughput ${JSON.stringify(config)}: ${values.join(', ')} jobs/s`);
  }
  const best = candidates.reduce((a, b) => (b.median > a.median ? b : a));
  results.push({
    peer: p.peer, version: p.version, scenario: 'throughput', unit: 'jobs/s',
    config: best.config, runs: best.runs, median: best.median, min: best.min, max: best.max,
    detail: best.detail, candidates: candidates.map(({ config, runs, median }) => ({ config, runs, median })),
  });

  // Latency: add -> processor start, steady arrival rate.
  const lat = [];
  for (let r = 0; r < runs; r++) lat.push(await measure(() => p.latency({ rate, seconds, ...p.latencyConfig })));
  const pick = (fn) => Object.fromEntries(['p50', 'p95', 'p99'].map((k) => [k, fn(lat.map((x) => x[k]))]));
  results.push({
    peer: p.peer, version: p.version, scenario: 'latency', unit: 'ms',
    config: { rate, seconds, ...p.latencyConfig }, runs: lat,
    median: pick((xs) => stats(xs).median), min: pick((xs) => stats(xs).min), max: pick((xs) => stats(xs).max),
  });
  log(`${p.peer} latency p50/p95/p99 per run: ${lat.map((x) => `${x.p50}/${x.p95}/${x.p99}`).join(', ')} ms`);
}

log('\nsummary (median [min..max] over runs)');
for (const r of results) {
  if (r.scenario === 'throughput') {
    log(`  ${r.peer}@${r.version} throughput ${JSON.stringify(r.config)}: ${r.median} [${r.min}..${r.max}] jobs/s`);
  } else {
    const fmt = (k) => `${k} ${r.median[k]} [${r.min[k]}..${r.max[k]}]`;
    log(`  ${r.peer}@${r.version} latency: ${['p50', 'p95', 'p99'].map(fmt).join(', ')} ms`);
  }
}

const json = JSON.stringify(results, null, 2);
if (opts.out) writeFileSync(opts.out, json + '\n');
else console.log(json);
process.exit(0);
