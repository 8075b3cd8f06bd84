import pino, { type DestinationStream, type Logger as PinoLogger } from "pino";

/** The service's logger: pino, one JSON object per line (`time`, `level`, `message`, fields). */
export type Logger = PinoLogger;

/**
 * Fields that may carry a secret, removed wherever they appear: the request's credentials (should a
 * request object be logged whole) and configuration values.
 */
const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "privateKey",
  "*.privateKey",
  "apiKey",
  "*.apiKey",
  "apiKeys",
  "*.apiKeys",
];

/** An error as a log field: name, message, code and causes; no stack, which says nothing to an operator. */
function describeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) described.code = code;
  if (error.cause !== undefined) described.cause = describeError(error.cause);
  return described;
}

export interface LoggerOptions {
  /** Where lines go: standard output unless given (tests collect them). */
  destination?: DestinationStream | ((line: string) => void);
  /**
   * Values that must never be written (the private key, API keys). Beyond the redacted paths, every
   * line is scanned for them as it is written, so a secret quoted in an error message is caught too.
   */
  secrets?: readonly string[];
  level?: pino.LevelWithSilent;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length >= 8);
  const destination =
    typeof options.destination === "function"
      ? {
          write: (
            (write) => (line: string) =>
              write(line.replace(/\n$/, ""))
          )(options.destination),
        }
      : // Written asynchronously: lines that come while a write is under way go out together in the
        // next one, instead of one blocking write per line on the thread that answers requests. The
        // destination is flushed when the process exits. Each line appended to a pending chunk has
        // the chunk's bytes counted, which copies it: chunks of 4 KiB, not 16, bound that copy.
        (options.destination ?? pino.destination({ dest: 1, sync: false, maxWrite: 4096 }));
  return pino(
    {
      level: options.level ?? "info",
      messageKey: "message",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Every line passes here (one per request): no array is made for it.
        log: (fields) => {
          for (const key in fields) {
            if (typeof fields[key] === "bigint") fields[key] = (fields[key] as bigint).toString();
          }
          return fields;
        },
      },
      serializers: { error: describeError, err: describeError },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      hooks: {
        streamWrite: (line) => {
          let text = line;
          for (const secret of secrets) if (text.includes(secret)) text = text.split(secret).join("[redacted]");
          return text;
        },
      },
    },
    destination,
  );
}

/** A logger that keeps nothing, for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: "silent" });
