// Keys must never reach a message, a log line or a stored file. Every error path of the client passes its text
// through the redactor built from the configured keys.

export type Redactor = (text: string) => string;

export const REDACTED = "[redacted]";

/** Replaces every occurrence of each secret (empty ones ignored) with [redacted]. */
export const redactor =
  (secrets: readonly (string | undefined)[]): Redactor =>
  (text) => {
    let out = text;
    for (const secret of secrets) if (secret) out = out.split(secret).join(REDACTED);
    return out;
  };
