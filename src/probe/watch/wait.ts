// Small helpers of the lock canary: an abortable sleep that leaves no timer or listener behind, and an error's code.

/** Sleep `ms`, or less when `signal` fires; no timer or listener is left behind. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The machine-readable `code` of an RpcError / NfsError / NlmError / NsmError, else `ERROR`. */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}
