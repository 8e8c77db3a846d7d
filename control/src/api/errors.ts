/**
 * The one error handler of the HTTP API: everything leaves as `{code, message, details?}`.
 *   CtiError                 -> its own status and code
 *   schema validation        -> 400 CTI_BAD_REQUEST, details.fields = [{in, field, message}]
 *   Fastify client errors    -> 400/404/413/414/415 with a CTI code (also before routing: frameworkErrorHandler)
 *   Node's HTTP parser       -> 400/408/431 with a CTI code, written on the socket (clientErrorHandler)
 *   PostgreSQL constraint    -> 409 CTI_CONFLICT (unique) / 400 CTI_BAD_REQUEST (foreign key, check, bad value)
 *   anything else            -> 500 CTI_INTERNAL with an error id that is logged with the stack
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../app/logger.ts';
import { CtiError, type ErrorCode } from '../errors/catalogue.ts';

export interface FieldError {
  in: string;
  field: string;
  message: string;
}

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export function fieldErrors(issues: readonly AjvIssue[], context: string): FieldError[] {
  return issues.map((i) => {
    const extra = i.params.missingProperty ?? i.params.additionalProperty;
    const field = typeof extra === 'string' ? `${i.instancePath}/${extra}` : i.instancePath || '/';
    const message = i.keyword === 'additionalProperties' ? 'is not a known field' : (i.message ?? i.keyword);
    return { in: context, field, message };
  });
}

interface PgError {
  name: string;
  code: string;
  constraint_name?: string;
  detail?: string;
  column_name?: string;
}

function isPgError(e: unknown): e is PgError {
  return typeof e === 'object' && e !== null && (e as PgError).name === 'PostgresError' && typeof (e as PgError).code === 'string';
}

const PG_CODES: Record<string, ErrorCode> = {
  '23505': 'CTI_CONFLICT', // unique_violation
  '23503': 'CTI_BAD_REQUEST', // foreign_key_violation: e.g. an unknown centre_id
  '23514': 'CTI_BAD_REQUEST', // check_violation
  '22003': 'CTI_BAD_REQUEST', // numeric_value_out_of_range: a number no schema range caught
  '22P02': 'CTI_BAD_REQUEST', // invalid_text_representation
  '22007': 'CTI_BAD_REQUEST', // invalid_datetime_format
  '22008': 'CTI_BAD_REQUEST', // datetime_field_overflow
};

const CLIENT_STATUS: Record<number, ErrorCode> = {
  404: 'CTI_NOT_FOUND',
  408: 'CTI_REQUEST_TIMEOUT',
  413: 'CTI_PAYLOAD_TOO_LARGE',
  414: 'CTI_URI_TOO_LONG',
  415: 'CTI_UNSUPPORTED_MEDIA_TYPE',
  431: 'CTI_HEADERS_TOO_LARGE',
};

/** Turns any thrown value into the CtiError the client sees; undefined for an internal fault. */
export function toCtiError(err: unknown): CtiError | undefined {
  if (err instanceof CtiError) return err;
  const fe = err as FastifyError;
  if (fe && Array.isArray(fe.validation)) {
    return new CtiError('CTI_BAD_REQUEST', { fields: fieldErrors(fe.validation as AjvIssue[], fe.validationContext ?? 'request') });
  }
  if (isPgError(err) && PG_CODES[err.code]) {
    return new CtiError(PG_CODES[err.code], { constraint: err.constraint_name, column: err.column_name, reason: err.detail });
  }
  const status = fe?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new CtiError(CLIENT_STATUS[status] ?? 'CTI_BAD_REQUEST', { reason: fe.message });
  }
  return undefined;
}

export function errorHandler(log: Logger) {
  return function handle(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const cti = toCtiError(err);
    if (cti) {
      log.debug({ code: cti.code, method: request.method, url: request.url, details: cti.details }, 'request refused');
      if (cti.code === 'CTI_LOGIN_THROTTLED') {
        const after = (cti.details as { retry_after_s?: number } | undefined)?.retry_after_s;
        if (after) void reply.header('retry-after', String(after));
      }
      return reply.status(cti.http).send(cti.toJSON());
    }
    const errorId = randomUUID();
    const e = err as Error;
    log.error({ error_id: errorId, method: request.method, url: request.url, err: e?.message, stack: e?.stack }, 'internal error in a request');
    return reply.status(500).send(new CtiError('CTI_INTERNAL', { error_id: errorId }).toJSON());
  };
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.status(404).send(new CtiError('CTI_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] }).toJSON());
}

/** Fastify's errors before a route is found (a URL that is not valid percent-encoding, a too long parameter). */
export function frameworkErrorHandler(log: Logger) {
  const handle = errorHandler(log);
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => { handle(err, request, reply); };
}

/** Node's HTTP parser codes that are not a malformed request (the default: 400). */
const PARSER_STATUS: Record<string, number> = { HPE_HEADER_OVERFLOW: 431, ERR_HTTP_REQUEST_TIMEOUT: 408 };

/**
 * The 'clientError' of the HTTP(S) server: Node's parser refused the request before Fastify saw it (headers over
 * maxHeaderSize, a malformed request line, a timeout). Answers with the coded body and closes the connection,
 * as Node's and Fastify's own handlers do.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = PARSER_STATUS[err.code ?? ''] ?? 400;
  const body = JSON.stringify(new CtiError(CLIENT_STATUS[status] ?? 'CTI_BAD_REQUEST', { reason: err.code ?? 'malformed request' }).toJSON());
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
