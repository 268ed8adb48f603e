// Validates record data against its object type: field types, required fields, and the type's
// rules ("a Closed Won deal needs an amount above 0"), whose CEL is compiled once at startup.
import { CelScope, type CelProgram } from '../conditions/cel.js';
import { validationError, type FieldProblem, SwitchyardError } from '../errors.js';
import type { RecordData } from '../domain/types.js';
import type { ObjectTypeSpec } from '../domain/types.js';
import { checkFields, checkRequired } from './object-types.js';

interface CompiledRule {
  name: string;
  message: string;
  when?: CelProgram;
  require: CelProgram;
}

export class RecordValidator {
  private readonly rules = new Map<string, CompiledRule[]>();

  constructor(readonly types: Map<string, ObjectTypeSpec>) {
    const problems: FieldProblem[] = [];
    for (const type of types.values()) {
      const scope = new CelScope(type);
      const compiled: CompiledRule[] = [];
      type.rules.forEach((rule, i) => {
        const when = rule.when ? scope.compile(rule.when) : undefined;
        const require = scope.compile(rule.require);
        if (when && !when.ok) problems.push({ path: `/objects/${type.name}/rules/${i}/when`, message: when.error });
        if (!require.ok) problems.push({ path: `/objects/${type.name}/rules/${i}/require`, message: require.error });
        if (require.ok && (!when || when.ok)) {
          compiled.push({ name: rule.name, message: rule.message, when: when?.ok ? when.program : undefined, require: require.program });
        }
      });
      this.rules.set(type.name, compiled);
    }
    if (problems.length > 0) throw validationError(problems, 'CONFIG_INVALID');
  }

  type(name: string): ObjectTypeSpec {
    const type = this.types.get(name);
    if (!type) throw new SwitchyardError('UNKNOWN_OBJECT_TYPE', `unknown object type "${name}" (known: ${[...this.types.keys()].join(', ')})`, { problems: [{ path: '/type', message: `unknown object type "${name}"` }] });
    return type;
  }

  /** Field-level check of an incoming payload (a full record or a patch). */
  checkPayload(typeName: string, data: unknown): Record<string, unknown> {
    const type = this.type(typeName);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw validationError([{ path: '', message: 'expected a JSON object of field values' }]);
    }
    const problems = checkFields(type, data as Record<string, unknown>);
    if (problems.length > 0) throw validationError(problems);
    return data as Record<string, unknown>;
  }

  /** Whole-record check after a write is applied: required fields and rules. */
  checkRecord(typeName: string, id: string, data: RecordData, now: number): void {
    const type = this.type(typeName);
    const problems = checkRequired(type, data);
    if (problems.length > 0) throw validationError(problems);
    const context = { record: { ...data, id }, previous: {}, changed: [], now };
    for (const rule of this.rules.get(typeName) ?? []) {
      // A rule whose `when` reads a field that is not set does not apply; a `require` that
      // cannot be evaluated (a missing field) does not hold.
      const applies = rule.when ? evaluatesTrue(rule.when, context) : true;
      const holds = !applies || evaluatesTrue(rule.require, context);
      if (!holds) {
        throw new SwitchyardError('RULE_VIOLATED', `rule ${rule.name}: ${rule.message}`, { problems: [{ path: '', message: rule.message }], extra: { rule: rule.name } });
      }
    }
  }
}

function evaluatesTrue(program: CelProgram, context: Parameters<CelProgram['evaluate']>[0]): boolean {
  try {
    return program.evaluate(context) === true;
  } catch {
    return false;
  }
}
