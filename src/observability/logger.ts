import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Tokens and field values never reach them: the redaction is a second line of
 * defence for code that logs a request by mistake.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'audit-subgraph' },
      redact: {
        paths: [
          'req.headers.authorization',
          'authorization',
          'token',
          '*.changes',
          '*.before',
          '*.after',
          '*.metadata',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
