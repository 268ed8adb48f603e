// compileWorkflow checks connector references only when given the tenant's catalogue, as data.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { compileWorkflow } from '../../src/definitions/compile.js';
import { isSwitchyardError, type FieldProblem } from '../../src/errors.js';
import type { WorkflowDefinition } from '../../src/domain/workflow.js';

const types = resolveConfig({ objects: { deal: { fields: { region: { type: 'string', values: ['EMEA', 'AMER'] } } } } }).objectTypes;
const catalogue = new Map([['api', 'http'], ['ops', 'teams']]);

function problems(def: Partial<WorkflowDefinition>, connectors?: ReadonlyMap<string, string>): FieldProblem[] {
  const base: WorkflowDefinition = { id: 'w', name: 'w', object: 'deal', trigger: { on: 'created' }, actions: [] };
  const definition: WorkflowDefinition = { ...base, ...def };
  try {
    compileWorkflow(definition, types, { tenant: 't1', version: 1, file: 'w.yaml', connectors });
    return [];
  } catch (error) {
    if (!isSwitchyardError(error)) throw error;
    return error.problems;
  }
}

describe('connector references at compile', () => {
  const call = { id: 'call', type: 'http.request', connector: 'apx', path: '"/x"' };

  it('without a catalogue they are not checked (stored versions load whatever config says now)', () => {
    expect(problems({ actions: [call] })).toEqual([]);
  });

  it('with one, an unknown name and a wrong type are problems naming the file and path', () => {
    expect(problems({ actions: [call, { id: 'tell', type: 'teams.post', connector: 'api', text: '"x"' }] }, catalogue)).toEqual([
      { file: 'w.yaml', path: '/actions/0/connector', message: 'connector "apx" is not configured for tenant t1 (configured: api, ops)' },
      { file: 'w.yaml', path: '/actions/1/connector', message: 'connector "api" is http; teams.post needs teams' },
    ]);
    expect(problems({ actions: [call] }, new Map())).toEqual([
      { file: 'w.yaml', path: '/actions/0/connector', message: 'connector "apx" is not configured for tenant t1 (configured: none)' },
    ]);
  });

  it('data actions name no connector and are not checked', () => {
    expect(problems({ actions: [{ id: 'a', type: 'record.update', set: { priority: '"high"' } }] }, new Map())).toEqual([]);
  });
});

describe('trigger values against a field with a closed list', () => {
  it('a value outside the list can never match', () => {
    expect(problems({ trigger: { on: 'field_changed', field: 'region', to: 'EMAE' }, actions: [{ id: 'a', type: 'record.update', set: { priority: '"x"' } }] })).toEqual([
      { file: 'w.yaml', path: '/trigger/to', message: '"EMAE" is not one of region\'s values (EMEA, AMER); it can never match' },
    ]);
    expect(problems({ trigger: { on: 'field_changed', field: 'region', from: 'AMER', to: 'EMEA' }, actions: [{ id: 'a', type: 'record.update', set: { priority: '"x"' } }] })).toEqual([]);
  });
});
