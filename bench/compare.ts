// Before/after: `node --import tsx bench/compare.ts BEFORE.json AFTER.json` prints a Markdown table
// of the figures the two bench outputs share (median [min..max], and after / before).
import { readFileSync } from 'node:fs';
import { round } from './lib.js';
import type { Figure } from './report.js';

const [beforeFile, afterFile] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  process.stderr.write('usage: node --import tsx bench/compare.ts BEFORE.json AFTER.json\n');
  process.exit(2);
}
const load = (file: string): Figure[] => (JSON.parse(readFileSync(file, 'utf8')) as { figures: Figure[] }).figures;
const before = new Map(load(beforeFile).map((f) => [f.id, f]));
const cell = (f: Figure): string => `${f.median} [${f.min}..${f.max}]`;
process.stdout.write('| figure | unit | before | after | after / before |\n| --- | --- | --- | --- | --- |\n');
for (const f of load(afterFile)) {
  const b = before.get(f.id);
  if (b) process.stdout.write(`| ${f.label} | ${f.unit} | ${cell(b)} | ${cell(f)} | ${round(f.median / b.median, 2)} |\n`);
}
