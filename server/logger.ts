/** One JSON object per line. Secrets handed to the logger are redacted from every line it writes. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function describeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) described.code = code;
  if (error.cause !== undefined) described.cause = describeError(error.cause);
  return described;
}

export function createLogger(write: (line: string) => void, secrets: readonly string[] = []): Logger {
  const redactions = secrets.filter((secret) => secret.length >= 8);
  const emit = (level: string, message: string, fields: Record<string, unknown> = {}) => {
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, message };
    for (const [key, value] of Object.entries(fields)) entry[key] = key === "error" ? describeError(value) : value;
    let line = JSON.stringify(entry, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
    for (const secret of redactions) line = line.split(secret).join("[redacted]");
    write(line);
  };
  return {
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
  };
}

/** A logger that keeps nothing, for tests that do not look at logs. */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
