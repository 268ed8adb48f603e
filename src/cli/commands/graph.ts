// switchyard graph PATH: the dependency graph of workflow files: cycles with the path that closes
// each, chains deeper than the limit, broad triggers, and the firing order per object and field.
import { loadConfig } from '../../config.js';
import { validateDefinitionShape } from '../../definitions/validate.js';
import { compileWorkflow } from '../../definitions/compile.js';
import { analyzeWorkflows, formatReport, unguardedCycles, type ReportFormat } from '../../graph/index.js';
import { readDefinitions } from '../definition-files.js';
import type { GlobalOptions } from '../context.js';

export interface GraphOptions extends GlobalOptions {
  format: ReportFormat;
  check?: boolean;
}

export function graph(paths: string[], options: GraphOptions): void {
  const config = loadConfig(options.config);
  const definitions = readDefinitions(paths).map(({ file, value }) => {
    const definition = validateDefinitionShape(value, file);
    compileWorkflow(definition, config.objectTypes, { tenant: '', version: 0, file });
    return definition;
  });
  const report = analyzeWorkflows(definitions, config.objectTypes, { maxChainDepth: config.maxChainDepth });
  process.stdout.write(`${formatReport(report, options.json ? 'json' : options.format)}\n`);
  const unguarded = unguardedCycles(report);
  if (options.check && unguarded.length > 0) {
    process.stderr.write(`${unguarded.length} unguarded cycle(s): deploy would refuse this set\n`);
    process.exit(1);
  }
}
