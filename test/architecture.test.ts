// The layering of src/ stays as designed: no import cycles, nothing imports a layer above its own,
// and only the store adapters talk to a database driver. Imports are read with the TypeScript
// compiler's own pre-processor (static, `export ... from`, `import type` and dynamic `import()`),
// so a type-only import counts too: a type that points up a layer is a dependency all the same.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { closingPath, isCyclic, stronglyConnected } from '../src/graph/scc.js';

const SRC = 'src';

/**
 * The layers, bottom first: a file may import its own layer and the layers below it, never one
 * above. Entries are paths under src/: a folder ends with '/', anything else is one file.
 */
const LAYERS: { name: string; paths: string[] }[] = [
  // Domain concepts as pure types and values (records, changes, executions, the workflow document's shape).
  { name: 'domain', paths: ['domain/'] },
  // Primitives every layer may use: the error registry and the injected clock.
  { name: 'primitives', paths: ['errors.ts', 'clock.ts'] },
  // CEL: parse, guard, budget, evaluate, order by cost. It reads object types from the domain.
  { name: 'conditions', paths: ['conditions/'] },
  // Object types, change sets, and the record validator (which runs the types' CEL rules).
  { name: 'records', paths: ['records/'] },
  // What a step failure is and the pure policies that answer it: retry backoff, circuit-breaker state.
  { name: 'failures', paths: ['failures/'] },
  // Outbound HTTP with the address policy (SSRF); throws step failures.
  { name: 'net', paths: ['net/'] },
  // The action contract, data actions, connectors.
  { name: 'actions', paths: ['actions/'] },
  // The workflow schema (built from the action catalog), validation and compilation.
  { name: 'definitions', paths: ['definitions/'] },
  // Change -> workflow matching.
  { name: 'triggers', paths: ['triggers/'] },
  // Static analysis of the workflow graph (cycles, guards).
  { name: 'graph', paths: ['graph/'] },
  // Rate limiting (pure, in memory).
  { name: 'scheduling', paths: ['scheduling/'] },
  // The store port and its adapters: the only place that touches a database.
  { name: 'store', paths: ['store/'] },
  // Events, metrics, alerts.
  { name: 'observability', paths: ['observability/'] },
  // What the API, the CLI and the worker share: the write path (with the loop guard), catalogs, services.
  { name: 'services', paths: ['services/'] },
  // The config loader resolves every subsystem's options, so it sits above all it configures.
  { name: 'config', paths: ['config.ts'] },
  // The worker, the runner, breakers through the store, quarantine.
  { name: 'execution', paths: ['execution/'] },
  // Wires store, services and workers together.
  { name: 'engine', paths: ['engine.ts'] },
  // The surfaces over the engine.
  { name: 'surfaces', paths: ['server/', 'cli/', 'dashboard/', 'docs.ts'] },
  // The public API.
  { name: 'index', paths: ['index.ts'] },
];

/** Database drivers: only files under these paths may import them. */
const DRIVERS = ['node:sqlite', 'pg', 'pg-pool', 'pg-cursor', 'pg-copy-streams'];
const DRIVER_HOME = 'store/';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Path under src/ with '/' separators, e.g. 'store/port.ts'. */
function key(path: string): string {
  return relative(SRC, path).split(sep).join('/');
}

function layerOf(file: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((layer, index) => {
    for (const p of layer.paths) {
      const hit = p.endsWith('/') ? file.startsWith(p) : file === p;
      // The most specific entry wins, should a file entry ever sit inside a folder entry.
      if (hit && p.length > bestLength) {
        best = index;
        bestLength = p.length;
      }
    }
  });
  return best;
}

interface Graph {
  files: string[];
  /** file -> files under src/ it imports */
  edges: Map<string, string[]>;
  /** file -> bare package specifiers it imports */
  packages: Map<string, string[]>;
}

function buildGraph(): Graph {
  const files = sourceFiles(SRC).map(key).sort();
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true);
    const local: string[] = [];
    const bare: string[] = [];
    for (const { fileName: spec } of info.importedFiles) {
      if (spec.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts');
        if (!known.has(target)) throw new Error(`${file} imports ${spec}, which is no file under src/`);
        local.push(target);
      } else if (!spec.startsWith('node:')) {
        bare.push(spec);
      }
    }
    edges.set(file, [...new Set(local)].sort());
    packages.set(file, bare);
  }
  return { files, edges, packages };
}

/**
 * Every strongly connected component of more than one file (or a file importing itself): its files,
 * sorted, and one concrete loop through them for the message. The workflow dependency graph's own
 * component finder (src/graph/scc.ts) does the work.
 */
function findCycles(edges: ReadonlyMap<string, readonly string[]>): { files: string[]; loop: string[] }[] {
  const nodes = [...edges.keys()].sort();
  return stronglyConnected(nodes, edges).filter((c) => isCyclic(c, edges)).map((component) => {
    const files = [...component].sort();
    return { files, loop: closingPath(files[0]!, new Set(component), edges) };
  });
}

const graph = buildGraph();

describe('architecture', () => {
  it('places every file under src/ in a layer', () => {
    expect(graph.files.filter((file) => layerOf(file) < 0)).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles = findCycles(graph.edges).map(({ files, loop }) => `${files.length} files in one cycle (${files.join(', ')}), e.g. ${loop.join(' -> ')}`);
    expect(cycles, `import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('imports nothing from a layer above', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph.edges) {
      const from = layerOf(file);
      for (const target of targets) {
        const to = layerOf(target);
        if (to > from) upward.push(`${file} (${LAYERS[from]?.name}) -> ${target} (${LAYERS[to]?.name})`);
      }
    }
    expect(upward, `imports that point up a layer:\n${upward.join('\n')}`).toEqual([]);
  });

  it('lets only the store adapters import a database driver', () => {
    const offenders: string[] = [];
    for (const [file, specs] of graph.packages) {
      for (const spec of specs) {
        if (DRIVERS.includes(spec) && !file.startsWith(DRIVER_HOME)) offenders.push(`${file} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps the domain free of everything else in src/', () => {
    const domain = LAYERS.findIndex((layer) => layer.name === 'domain');
    const leaks = graph.files
      .filter((file) => layerOf(file) === domain)
      .flatMap((file) => (graph.edges.get(file) ?? []).filter((t) => layerOf(t) !== domain).map((t) => `${file} -> ${t}`));
    expect(leaks).toEqual([]);
  });

  // The checks above must be able to fail: a made-up graph with a cycle and an upward import.
  it('finds a planted cycle and names its files in order', () => {
    const planted = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
    ]);
    expect(findCycles(planted)).toEqual([{ files: ['a.ts', 'b.ts', 'c.ts'], loop: ['a.ts', 'b.ts', 'c.ts', 'a.ts'] }]);
    expect(layerOf('store/port.ts')).toBeGreaterThan(layerOf('domain/types.ts'));
    expect(layerOf('execution/worker.ts')).toBeGreaterThan(layerOf('services/write-path.ts'));
  });
});
