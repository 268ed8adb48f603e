import { describe, expect, it } from 'vitest';
import { FAILURE_CODES, HttpStatusError, NonRetryableError, RetryAfterError, RetryableError, StepTimeoutError, classifyFailure, parseRetryAfter } from '../../src/failures/action-failures.js';
import { SwitchyardError } from '../../src/errors.js';
import { OutboundRefusedError } from '../../src/net/outbound-http.js';

const now = Date.parse('2026-03-01T12:00:00Z');
const sysError = (code: string): Error => Object.assign(new Error(`connect ${code} 203.0.113.5:443`), { code });
const smtpError = (responseCode: number, code = 'EENVELOPE'): Error => Object.assign(new Error(`${responseCode} no`), { code, responseCode });

describe('classifyFailure', () => {
  const table: [string, unknown, { retryable: boolean; code: string; retryAfterMs?: number }][] = [
    ['step timeout', new StepTimeoutError(30_000), { retryable: true, code: 'STEP_TIMEOUT' }],
    ['500', new HttpStatusError(500, 'x'), { retryable: true, code: 'UPSTREAM_ERROR' }],
    ['503 with Retry-After', new HttpStatusError(503, 'x', { retryAfterMs: 2000 }), { retryable: true, code: 'UPSTREAM_ERROR', retryAfterMs: 2000 }],
    ['408', new HttpStatusError(408, 'x'), { retryable: true, code: 'UPSTREAM_ERROR' }],
    ['429 with Retry-After', new HttpStatusError(429, 'x', { retryAfterMs: 7000 }), { retryable: true, code: 'RATE_LIMITED', retryAfterMs: 7000 }],
    ['400', new HttpStatusError(400, 'x'), { retryable: false, code: 'UPSTREAM_REJECTED' }],
    ['404 ignores Retry-After', new HttpStatusError(404, 'x', { retryAfterMs: 5000 }), { retryable: false, code: 'UPSTREAM_REJECTED' }],
    ['422', new HttpStatusError(422, 'x'), { retryable: false, code: 'UPSTREAM_REJECTED' }],
    ['ECONNREFUSED', sysError('ECONNREFUSED'), { retryable: true, code: 'NETWORK_ERROR' }],
    ['ECONNRESET', sysError('ECONNRESET'), { retryable: true, code: 'NETWORK_ERROR' }],
    ['undici socket', sysError('UND_ERR_SOCKET'), { retryable: true, code: 'NETWORK_ERROR' }],
    ['fetch failed (cause)', new TypeError('fetch failed', { cause: sysError('ECONNRESET') }), { retryable: true, code: 'NETWORK_ERROR' }],
    ['happy eyeballs', new AggregateError([sysError('ECONNREFUSED')], 'all failed'), { retryable: true, code: 'NETWORK_ERROR' }],
    ['SSRF refusal', new OutboundRefusedError('refused'), { retryable: false, code: 'SSRF_REFUSED' }],
    ['non-retryable', new NonRetryableError('no'), { retryable: false, code: 'NON_RETRYABLE' }],
    ['retry after', new RetryAfterError(1500), { retryable: true, code: 'RETRY_LATER', retryAfterMs: 1500 }],
    ['retryable', new RetryableError('later'), { retryable: true, code: 'RETRY_LATER' }],
    ['abort with a step timeout reason', new Error('aborted', { cause: new StepTimeoutError(1000) }), { retryable: true, code: 'STEP_TIMEOUT' }],
    ['plain AbortError', new DOMException('stop', 'AbortError'), { retryable: true, code: 'ABORTED' }],
    ['TimeoutError', new DOMException('slow', 'TimeoutError'), { retryable: true, code: 'REQUEST_TIMEOUT' }],
    ['SMTP 451', smtpError(451), { retryable: true, code: 'SMTP_TRANSIENT' }],
    ['SMTP 550', smtpError(550), { retryable: false, code: 'SMTP_REJECTED' }],
    ['SMTP 503', smtpError(503), { retryable: true, code: 'SMTP_TRANSIENT' }],
    ['SMTP 535 auth', smtpError(535, 'EAUTH'), { retryable: false, code: 'SMTP_AUTH_FAILED' }],
    ['SMTP connection', sysError('ECONNECTION'), { retryable: true, code: 'NETWORK_ERROR' }],
    ['engine error', new SwitchyardError('STORE_UNAVAILABLE', 'db down'), { retryable: true, code: 'STORE_UNAVAILABLE' }],
    ['engine error, final', new SwitchyardError('VALIDATION_FAILED', 'bad'), { retryable: false, code: 'VALIDATION_FAILED' }],
    ['unknown error', new Error('who knows'), { retryable: true, code: 'UNKNOWN' }],
    ['a thrown string', 'oops', { retryable: true, code: 'UNKNOWN' }],
  ];

  it.each(table)('%s', (_name, error, expected) => {
    const result = classifyFailure(error);
    expect({ retryable: result.retryable, code: result.code, ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }) }).toEqual(expected);
    expect(typeof result.message).toBe('string');
  });

  it('never reads message text', () => {
    expect(classifyFailure(new Error('ECONNREFUSED 503 timeout retry-after: 5')).code).toBe('UNKNOWN');
  });

  it('every code in the registry says whether it retries', () => {
    for (const spec of Object.values(FAILURE_CODES)) expect(typeof spec.retryable).toBe('boolean');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now - 30_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter(['5', '9'], now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
