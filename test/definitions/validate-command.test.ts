// `switchyard validate` as a user runs it: with --config, connectors are checked against the
// tenant's; without one it says they were not checked.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli as runCli, type CliResult } from '../helpers/cli.js';

const cli = (...args: string[]): Promise<CliResult> => runCli(args, { SWITCHYARD_CONFIG: '' });

describe('switchyard validate and connectors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-validate-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, [
    'tokens: [{ tenant: acme, token: acme-token-0123456789 }]',
    'connectors:',
    '  acme:',
    '    - { name: sales-slack, type: slack, secrets: { webhookUrl: { file: slack } } }',
    '    - { name: backup-smtp, type: smtp, settings: { host: smtp.example.com, from: desk@example.com } }',
    `secretsFile: ${join(dir, 'secrets.yaml')}`,
  ].join('\n'));
  writeFileSync(join(dir, 'secrets.yaml'), 'slack: https://hooks.example.com/T0/B0/x\n');
  const workflow = (connector: string, fallback: string): string => join(dir, `${connector}-${fallback}.yaml`);
  const write = (connector: string, fallback: string): string => {
    const file = workflow(connector, fallback);
    writeFileSync(file, [
      'id: tell-desk', 'name: Tell the desk', 'object: deal', 'trigger: { on: created }', 'actions:',
      `  - { id: post, type: slack.post, connector: ${connector}, text: '"deal"',`,
      `      fallback: [ { type: email.send, connector: ${fallback}, to: '"desk@example.com"', subject: '"deal"', text: record.name } ] }`,
    ].join('\n'));
    return file;
  };

  it('--config: a typo and a wrong type exit 1 naming the file and path', async () => {
    const file = write('sales-slakc', 'sales-slack');
    const result = await cli('validate', '--config', config, '--tenant', 'acme', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`invalid ${file}: /actions/0/connector: connector "sales-slakc" is not configured for tenant acme (configured: sales-slack, backup-smtp)`);
    expect(result.stdout).toContain(`invalid ${file}: /actions/0/fallback/0/connector: connector "sales-slack" is slack; email.send needs smtp`);
    expect(result.stderr).toContain('2 problem(s) in 1 file(s)');
  });

  it('--config: a valid workflow passes, and the examples still validate', async () => {
    const file = write('sales-slack', 'backup-smtp');
    const result = await cli('validate', '--config', config, '--tenant', 'acme', file, 'examples');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`ok      ${file}`);
    expect(result.stdout).toContain(`connectors checked against ${config} for tenant acme`);
  });

  it('without a config the same file passes and says connectors were not checked', async () => {
    const result = await cli('validate', write('sales-slakc', 'sales-slack'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('connectors not checked: no --config given');
  });
});
