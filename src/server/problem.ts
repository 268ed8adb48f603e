// The one place an error becomes an HTTP response: RFC 9457 problem+json, naming the field.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_YAML_TEXT } from '../definitions/yaml-text.js';
import { ERRORS, isSwitchyardError, SwitchyardError, type ErrorCode } from '../errors.js';

/** Largest request body accepted (API bodies; a workflow definition is far smaller). */
export const BODY_LIMIT_BYTES = 5 * 1024 * 1024;
/** Longest path parameter (record ids are at most 128 characters). */
export const MAX_PARAM_LENGTH = 256;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: { path: string; message: string; file?: string }[];
  [extra: string]: unknown;
}

export function toProblem(error: unknown, instance?: string): Problem {
  const e = normalize(error);
  return {
    type: `https://switchyard.dev/problems/${e.code.toLowerCase().replace(/_/g, '-')}`,
    title: ERRORS[e.code].title,
    status: e.status,
    detail: e.message,
    code: e.code,
    instance,
    ...(e.problems.length > 0 ? { errors: e.problems } : {}),
    ...e.extra,
  };
}

/** Maps framework and parser errors to our codes; anything unknown is INTERNAL (and logged). */
function normalize(error: unknown): SwitchyardError {
  if (isSwitchyardError(error)) return error;
  const fe = error as Partial<FastifyError> & { validation?: { instancePath?: string; message?: string; params?: { missingProperty?: unknown; additionalProperty?: unknown } }[]; validationContext?: string };
  if (fe.validation) {
    const problems = fe.validation.map((v) => {
      // A missing or an unknown property is named in params, not in the path: add it to the path.
      const named = v.params?.missingProperty ?? v.params?.additionalProperty;
      return {
        path: `/${fe.validationContext ?? ''}${v.instancePath ?? ''}${typeof named === 'string' ? `/${named}` : ''}`,
        message: v.message ?? 'invalid',
      };
    });
    const unique = problems.filter((p, i) => problems.findIndex((q) => q.path === p.path) === i);
    return new SwitchyardError('VALIDATION_FAILED', `${unique[0]?.path}: ${unique[0]?.message}`, { problems: unique });
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (error instanceof SyntaxError)) {
    return new SwitchyardError('MALFORMED_BODY', `the body is not valid JSON: ${fe.message ?? ''}`, { problems: [{ path: '', message: fe.message ?? 'invalid JSON' }] });
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new SwitchyardError('MALFORMED_BODY', `unsupported content type: ${fe.message ?? ''}`);
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new SwitchyardError('PAYLOAD_TOO_LARGE', `the body is larger than this server accepts: ${BODY_LIMIT_BYTES} bytes of JSON, ${MAX_YAML_TEXT} bytes of YAML`);
  if (fe.code === 'FST_ERR_BAD_URL') return new SwitchyardError('BAD_URL', 'the request URL has an invalid percent-encoding');
  if (fe.code === 'FST_ERR_MAX_PARAM_LENGTH') return new SwitchyardError('URI_TOO_LONG', `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`);
  if (fe.statusCode === 404) return new SwitchyardError('NOT_FOUND', fe.message ?? 'not found');
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new SwitchyardError('MALFORMED_BODY', fe.message ?? 'bad request');
  return new SwitchyardError('INTERNAL', 'internal error', { cause: error });
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const problem = toProblem(error, pathOnly(request.url));
  if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

/** The URL without its query string: a token sent there by mistake must not be echoed or logged. */
export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
