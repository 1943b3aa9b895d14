// Types of the public `hailog` API (index.js / index.mjs). The addon's own generated
// declarations are in native.d.ts; this file re-states the surface with JS-side idioms.

/** A stable machine-readable error code, the same in Rust, Python and Node. */
export type ErrorCode =
  | 'invalid_input'
  | 'hail_format'
  | 'usage_parse'
  | 'pricing'
  | 'storage'
  | 'budget_exceeded'
  | 'closed'
  | 'flush_timeout'
  | 'internal'

/** Every error hailog throws or rejects with. The message carries the whole cause chain. */
export declare class HailogError extends Error {
  constructor(message: string, code: ErrorCode, options?: { cause?: unknown })
  readonly code: ErrorCode
}

/** The version of the package and its native addon. */
export declare function version(): string
