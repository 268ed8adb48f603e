// Typed failures of a CEL evaluation. Both are deterministic: the same expression on the same
// data fails the same way again, so retrying cannot help. The step runner's classifyFailure
// (src/failures/action-failures.ts) reads `code` from these classes; it never parses the message.

export type ExpressionFailureCode = 'EXPRESSION_FAILED' | 'EXPRESSION_BUDGET_EXCEEDED';

/** An expression failed to evaluate: division by zero, overflow, invalid regex, no such overload or key. */
export class ExpressionError extends Error {
  readonly code: ExpressionFailureCode = 'EXPRESSION_FAILED';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An expression used more than its evaluation budget (steps, string/list size, allocation, result size). */
export class ExpressionBudgetError extends ExpressionError {
  override readonly code: ExpressionFailureCode = 'EXPRESSION_BUDGET_EXCEEDED';
}

export function isExpressionError(error: unknown): error is ExpressionError {
  return error instanceof ExpressionError;
}
