// A CLI mistake or refusal that is not an engine error: printed as `error: message`, exit non-zero.
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}
