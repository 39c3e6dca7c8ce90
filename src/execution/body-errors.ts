import type { ErrorRequestHandler } from 'express';
import { ErrorCode } from '../errors';
import type { Logger } from '../observability/logger';

/** What body-parser reports (`type`), said in words that name no module, path or byte of the body. */
const PROBLEMS: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON',
  'entity.too.large': 'The request body is larger than this server accepts',
  'encoding.unsupported': 'The request body’s Content-Encoding is not supported (use gzip, deflate or none)',
  'charset.unsupported': 'The request body’s charset is not supported (use UTF-8)',
  'request.size.invalid': 'The request body is shorter or longer than its Content-Length',
};

interface HttpError {
  status?: number;
  type?: string;
}

/**
 * A body that cannot be read (malformed JSON, bad gzip, too large) is answered as GraphQL answers:
 * a JSON `errors` list with a code, rather than Express's HTML page with its stack. Mounted after
 * the body parser; anything else that reaches it is logged and masked as internal.
 */
export function requestBodyErrors(logger: Logger): ErrorRequestHandler {
  return (error: HttpError, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = error.status ?? 500;
    const clientError = status >= 400 && status < 500;
    if (!clientError) logger.error({ err: error }, 'unexpected error before GraphQL could answer');
    const [message, code] = clientError
      ? [PROBLEMS[error.type ?? ''] ?? 'The request body could not be read', ErrorCode.BadRequest]
      : ['Internal server error', ErrorCode.InternalServerError];
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}
