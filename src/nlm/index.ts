// NLM (program 100021, XNFS ch. 10-14 and RFC 1813 appendix II) — public surface of the nlm layer.
export {
  type NlmAsyncResult,
  NlmCallbackServer,
  type NlmCallbackServerOptions,
  type NlmGrant,
} from './callback.js';
export {
  decodeResult,
  expectGranted,
  NlmClient,
  type NlmClientOptions,
  type NlmHolderInfo,
  type NlmLockOptions,
  type NlmLockSpec,
  type NlmShareResult,
  type NlmShareSpec,
  type NlmStatResult,
  type NlmTestResult,
} from './client.js';
export { NlmError, type NlmErrorCode } from './errors.js';
export * from './protocol.js';
