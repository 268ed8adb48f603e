// The CLI as a user runs it: bad input gives a message naming the file and path, and a non-zero
// exit; a refused deploy changes nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli as runCli, type CliResult } from '../helpers/cli.js';

const cli = (...args: string[]): Promise<CliResult> => runCli(args);

describe('switchyard CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
  const store = join(dir, 'cli.db');

  it('validate: every problem with its file and path, exit 1', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'id: broken\nname: Broken\nobject: deal\ntrigger: { on: field_changed, field: stage, to: 5 }\nconditions: ["record.amout > 1.0"]\nactions: [{ id: x, type: record.update, set: { priority: "1" } }]\n');
    const result = await cli('validate', 'examples', broken);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('ok      examples/assign-new-lead.yaml');
    expect(result.stdout).toContain(`invalid ${broken}: /trigger/to: stage is a string field; 5 can never match`);
    expect(result.stdout).toContain(`invalid ${broken}: /conditions/0: invalid CEL: No such key: amout`);
    expect(result.stdout).toContain(`invalid ${broken}: /actions/0/set/priority: expression returns int, but priority is a string field`);
    expect(result.stderr).toContain('3 problem(s) in 1 file(s)');
  });

  it('deploy refuses a set with an unguarded cycle (exit 1, nothing deployed) and deploys the fixed set', async () => {
    // A store that does not exist is an error for every command but serve and migrate, which create it.
    expect((await cli('migrate', '--store', store)).stdout).toBe(`created a new store at ${store}\nmigrations applied (sqlite)\n`);
    const refused = await cli('deploy', 'test/fixtures/article-loop', '--store', store);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error WORKFLOW_CYCLE: unguarded workflow cycle: send-welcome -> update-score -> reevaluate-territory -> reassign -> send-welcome');
    const deployed = await cli('deploy', 'test/fixtures/article-loop-fixed', '--store', store, '--json');
    expect(deployed.code).toBe(0);
    expect((JSON.parse(deployed.stdout) as unknown[]).length).toBe(5);
    const graph = await cli('graph', 'test/fixtures/article-loop', '--check', '--format', 'mermaid');
    expect(graph.code).toBe(1);
    expect(graph.stdout).toMatch(/^flowchart LR/);
  }, 180_000); // five CLI processes, each compiling the sources

  it('a missing file and an unknown execution are clear errors', async () => {
    const missing = await cli('validate', join(dir, 'nope.yaml'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('nope.yaml');
    const unknown = await cli('executions', 'show', 'no-such-id', '--store', store);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error EXECUTION_NOT_FOUND: execution no-such-id does not exist');
  });
});
