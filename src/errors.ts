// Every error the engine reports has a stable code, an HTTP status and a retryable flag, in this
// one registry. Tests match on `code`, never on message text; docs/errors.md is checked against it.

export interface ErrorSpec {
  status: number;
  retryable: boolean;
  title: string;
}

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, retryable: false, title: 'The input is not valid' },
  UNKNOWN_PARAMETER: { status: 400, retryable: false, title: 'A query parameter is not one this route takes' },
  MALFORMED_BODY: { status: 400, retryable: false, title: 'The request body could not be parsed' },
  BAD_URL: { status: 400, retryable: false, title: 'The request URL could not be decoded' },
  URI_TOO_LONG: { status: 414, retryable: false, title: 'A path parameter of the request URL is too long' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, title: 'The request body is larger than the server accepts' },
  UNKNOWN_OBJECT_TYPE: { status: 404, retryable: false, title: 'No such object type' },
  RECORD_NOT_FOUND: { status: 404, retryable: false, title: 'No such record' },
  RECORD_EXISTS: { status: 409, retryable: false, title: 'A record with this id exists' },
  VERSION_CONFLICT: { status: 412, retryable: false, title: 'The record changed since it was read' },
  PRECONDITION_REQUIRED: { status: 428, retryable: false, title: 'If-Match is required for a full replace' },
  RULE_VIOLATED: { status: 422, retryable: false, title: 'A validation rule of the object type failed' },
  WORKFLOW_INVALID: { status: 400, retryable: false, title: 'The workflow definition is not valid' },
  WORKFLOW_NOT_FOUND: { status: 404, retryable: false, title: 'No such workflow' },
  WORKFLOW_CYCLE: { status: 409, retryable: false, title: 'Deploying would create an unguarded workflow cycle' },
  OBJECT_TYPE_INVALID: { status: 400, retryable: false, title: 'The object type definition is not valid' },
  OBJECT_TYPE_IN_USE: { status: 409, retryable: false, title: 'The object type change would break a deployed workflow' },
  EXECUTION_NOT_FOUND: { status: 404, retryable: false, title: 'No such execution' },
  NOT_FOUND: { status: 404, retryable: false, title: 'Not found' },
  UNAUTHORIZED: { status: 401, retryable: false, title: 'A valid API token is required' },
  FORBIDDEN: { status: 403, retryable: false, title: 'The API token\'s role does not allow this' },
  STALE_LEASE: { status: 409, retryable: false, title: 'The worker no longer holds the lease' },
  CONFIG_INVALID: { status: 500, retryable: false, title: 'The configuration is not valid' },
  STORE_UNAVAILABLE: { status: 503, retryable: true, title: 'The store is unavailable' },
  INTERNAL: { status: 500, retryable: true, title: 'Internal error' },
  CANCEL_FILTER_REQUIRED: { status: 400, retryable: false, title: 'A bulk cancel must name what to cancel: a workflow, a record, a root change or a status' },
  EXECUTION_QUARANTINED: { status: 500, retryable: false, title: 'Dead-lettered: its lease ran out too often without a checkpoint (it crashed or stalled its worker)' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** One problem in an input, located by a JSON pointer ("/actions/0/set/owner") and a file when known. */
export interface FieldProblem {
  path: string;
  message: string;
  file?: string;
}

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly problems: FieldProblem[];
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { problems?: FieldProblem[]; extra?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SwitchyardError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
    this.problems = options.problems ?? [];
    this.extra = options.extra ?? {};
  }
}

export function validationError(problems: FieldProblem[], code: ErrorCode = 'VALIDATION_FAILED'): SwitchyardError {
  const first = problems[0];
  const where = first ? `${first.file ? `${first.file}: ` : ''}${first.path || '/'}: ${first.message}` : 'invalid input';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new SwitchyardError(code, `${where}${more}`, { problems });
}

/** Thrown by a store when a worker's lease was taken over; the worker must stop at once. */
export class StaleLeaseError extends SwitchyardError {
  constructor(executionId: string, attempt: number) {
    super('STALE_LEASE', `execution ${executionId}: attempt ${attempt} no longer holds the lease`);
    this.name = 'StaleLeaseError';
  }
}

export function isSwitchyardError(error: unknown): error is SwitchyardError {
  return error instanceof SwitchyardError;
}
