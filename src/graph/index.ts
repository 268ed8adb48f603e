// The graph subsystem's public surface: analyze, format, and the deploy-time cycle check.
export { analyzeWorkflows } from './analyze.js';
export { formatReport, stableJson, triggerSummary, type ReportFormat } from './format.js';
export { assertNoUnguardedCycles, isGuarded, unguardedCycles } from './guards.js';
export { canChangeOnUpdate, canSetOnCreate } from './fires.js';
export { possibleValues } from './effects.js';
export type {
  AnalyzeOptions, BroadTrigger, EdgeCause, FieldWrite, FiringGroup, GraphChain, GraphCycle, GraphEdge, GraphNode, GraphReport,
  RecordWrite, TriggerOperation, WorkflowReads,
} from './types.js';
