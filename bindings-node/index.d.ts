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

/** Provider names accepted as a hint. */
export type Provider =
  | 'openai' | 'azure' | 'anthropic' | 'gemini' | 'vertex' | 'bedrock' | 'mistral' | 'deepseek'
  | 'groq' | 'openrouter' | 'cohere' | 'ollama' | 'xai' | 'together' | 'fireworks'

/** A typed provider error, from an HTTP error body or a mid-stream error event. */
export interface ProviderError {
  status?: number
  type?: string
  message: string
  code?: string
  requestId?: string
  retryAfterMs?: number
}

/**
 * Token usage of one request in mutually exclusive buckets. `null` means the provider did not
 * say (absent, not zero).
 */
export interface Usage {
  input: number | null
  cacheRead: number | null
  cacheWrite5m: number | null
  cacheWrite1h: number | null
  output: number | null
  reasoning: number | null
  inputAudio: number | null
  inputImage: number | null
  outputAudio: number | null
  webSearchRequests: number | null
  /** Every prompt-side token: uncached, cache read and cache writes. */
  inputTotal: number | null
  /** Every generated token, reasoning included. */
  outputTotal: number | null
  cacheWrite: number | null
  model: string | null
  provider: string | null
  responseId: string | null
  finishReason: string | null
  /** Cost the provider reported itself, as an exact decimal string. */
  reportedCost?: string
  outcome: 'ok' | 'failed' | 'cancelled'
  error?: ProviderError
  /** The usage is what was seen before the stream failed or was cut off. */
  partial: boolean
  anomalies?: { code: string; message: string }[]
  /** The provider's own usage object, verbatim. */
  raw?: unknown
}

/** Anything a provider body can be given as. */
export type Body = string | Uint8Array | object

/**
 * Exact usage of one provider response or error body: a string, Buffer, parsed object, or a
 * response object of the `openai` or `@anthropic-ai/sdk` packages.
 */
export declare function parseUsage(body: Body, provider?: Provider | null): Usage

/** Usage of a streamed response, fed as it arrives; memory stays constant in stream length. */
export declare class StreamParser {
  constructor(provider?: Provider | null)
  /** Raw stream bytes in any chunking, or one decoded chunk object as an SDK yields it. */
  feed(chunk: string | Uint8Array | object): void
  /** One already-framed event payload; `event` is the SSE event name where there is one. */
  feedEvent(payload: string | Uint8Array | object, event?: string | null): void
  /** Ends the stream. A second call throws a `closed` error. */
  finish(): Usage
}

/** One canonical HAIL event line (SPEC.md §4), with hailog's additions under `attributes`. */
export interface HailEvent {
  event_id: string
  timestamp: string
  event_type: { type: string; data?: Record<string, unknown> }
  [field: string]: unknown
}

/**
 * Events of a HAIL file as an async iterator, read off the event loop in batches. A malformed
 * line rejects with a `hail_format` HailogError that names the line.
 */
export declare function readHail(path: string, options?: { batchSize?: number }): AsyncGenerator<HailEvent, void, undefined>
