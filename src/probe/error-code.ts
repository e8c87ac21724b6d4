// The machine-readable code of an error from any layer (RpcError, NfsError, NlmError, NsmError), for reports.

/** The error's string `code`, else `ERROR`. */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}
