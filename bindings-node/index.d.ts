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

/** How a HAIL file is read (the same options as the Rust `ReadOptions`). */
export interface HailReadOptions {
  /** Longest line accepted, in bytes (default 16 MiB). */
  maxLineBytes?: number
  /** Reject a file that repeats an event id (default true). */
  checkDuplicateIds?: boolean
  /**
   * Event ids the duplicate check keeps in memory (default 65,536) before it spills them,
   * sorted, to a temporary file; a repeat of a spilled id is reported when the input ends.
   */
  idsInMemory?: number
  /**
   * Skip, with a `torn_last_line` warning, a last line that has no newline and does not parse
   * (what a writer killed mid-append leaves) instead of rejecting the file (default false).
   */
  skipTornLastLine?: boolean
}

/**
 * Events of a HAIL file as an async iterator, read off the event loop in batches of `batchSize`
 * (default 1024). A malformed line rejects with a `hail_format` HailogError whose `kind` and
 * `line` say what and where.
 */
export declare function readHail(path: string, options?: HailReadOptions & { batchSize?: number }): AsyncGenerator<HailEvent, void, undefined>

/** A recoverable oddity of a HAIL file, such as timestamps going backwards. */
export interface HailWarning {
  line: number
  kind: string
  message: string
}

/** A whole HAIL file, validated and summarized. */
export interface HailFile {
  /** The header line (`version`, `sessionId`, `agent`, `context`). */
  header: Record<string, unknown>
  /** `hail1`, `session_object` or `hail01`. */
  dialect: 'hail1' | 'session_object' | 'hail01'
  /** The file's own stats line, or null. */
  stats: Record<string, number> | null
  /** The stats hailog computes from the events (what a correct stats line would say). */
  computedStats: Record<string, number>
  warnings: HailWarning[]
  /** The session summary, with its status at `now`. */
  summary: SessionSummary
}

export interface SummarizeHailOptions extends HailReadOptions {
  /** The time the status is computed at (default: now). */
  now?: Date | string | number
}

/** Reads, validates and summarizes a HAIL file off the event loop. */
export declare function summarizeHail(path: string, options?: SummarizeHailOptions): Promise<HailFile>

/** The file rewritten in hailog's canonical `hail-1.0.0` form (header, events, stats line). */
export declare function canonicalHail(path: string): Promise<string>

export interface SummarizeOptions {
  sessionId?: string
  now?: Date | string | number
  idleAfterSeconds?: number
  doneAfterSeconds?: number
}

/** Folds HAIL event objects (or their JSON strings) into a session summary and its status. */
export declare function summarize(events: Array<HailEvent | string>, options?: SummarizeOptions): SessionSummary

/** Exclusive token buckets to price (camelCase or the core's snake_case names). */
export interface UsageInput {
  input?: number | null
  cacheRead?: number | null
  cacheWrite5m?: number | null
  cacheWrite1h?: number | null
  output?: number | null
  reasoning?: number | null
  inputAudio?: number | null
  inputImage?: number | null
  outputAudio?: number | null
  webSearchRequests?: number | null
  /** A cost the provider reported, as a decimal string; it wins over the table. */
  reportedCost?: string | null
  provider?: string | null
  [bucket: string]: unknown
}

export interface CostOptions {
  /** Picks among models of the same name served by several providers. */
  provider?: string | null
  /** Price with the rates valid at this time (re-pricing an old session). Default: now. */
  at?: Date | string | null
  /** The request went through the provider's batch API. */
  batch?: boolean
  /** `flex`, `priority`...; `standard`, `default`, `auto` are the base rates. */
  serviceTier?: string | null
}

/** The exact cost of one request. Amounts are exact decimal strings, never floats. */
export interface Cost {
  /** `null` when the model is unknown (unpriced is never $0). */
  total: string | null
  currency: string
  provenance: 'computed' | 'reported' | 'unpriced'
  /** The canonical model id the name resolved to. */
  model: string | null
  tableVersion: string | null
  /** Amount per usage bucket (camelCase bucket names), buckets with a zero amount absent. */
  breakdown: Record<string, string>
  /** Tiers, modifiers and resolution rules applied, e.g. `batch`, `resolved:alias`. */
  rules: string[]
}

/** A pricing failure: `kind` is the core's stable pricing error kind. */
export interface PricingErrorDetails {
  kind: 'io' | 'json' | 'invalid_entry' | 'unit_slip' | 'duplicate_entry' | 'ambiguous' | 'unknown_service_tier' | 'unknown_modifier' | 'invalid_usage' | 'overflow'
  /** For `invalid_usage`: the offending bucket. */
  bucket?: string
  /** For `ambiguous`: the sorted `provider/id` names the model matched. */
  candidates?: string[]
}

/** The exact cost of one request with the built-in price table. */
export declare function cost(model: string, usage: UsageInput | Usage, opts?: CostOptions): Cost

/** A price table: the built-in one, a hailog price file, or LiteLLM's community price file. */
export declare class PriceTable {
  private constructor()
  static builtin(): PriceTable
  /** A price file in hailog's format. */
  static load(path: string): PriceTable
  /** LiteLLM's `model_prices_and_context_window.json`. */
  static loadLitellm(path: string): PriceTable
  /** Merges prices (a price file in hailog's format, as an object or JSON text) over this table. */
  set(prices: object | string): void
  readonly version: string
  cost(model: string, usage: UsageInput | Usage, opts?: CostOptions): Cost
}

/** One event for `log()`. Without `kind` it is an LLM call. */
export interface LogEvent {
  sessionId: string
  /** `llm_call` (default), `tool_call`, `tool_result`, `note`, `error`... */
  kind?: string
  provider?: string
  model?: string
  usage?: UsageInput | Usage
  latencyMs?: number
  outcome?: 'ok' | 'failed' | 'cancelled'
  traceId?: string
  agent?: string
  tool?: string
  error?: string
  /** Your own id makes retries idempotent: the same id twice counts once. */
  eventId?: string
  timestamp?: Date | string | number
}

/** A session's aggregates, camelCased from the core's summary (the Python dict's keys). */
export interface SessionSummary {
  sessionId: string
  status: SessionStatus
  eventCount: number
  requestCount: number
  toolCallCount: number
  errorCount: number
  /** Every usage bucket; null where nothing reported it. */
  tokens: Record<string, number | null>
  /** Exact decimal string; null while nothing could be priced. */
  costUsd: string | null
  unpricedRequests: number
  latencyMs: { p50: number | null; p95: number | null }
  /** Per model, keyed by the model id as logged. */
  models: Record<string, unknown>
  durationSeconds: number
  firstEventAt: string | null
  lastEventAt: string | null
  [field: string]: unknown
}

export interface ClientOptions {
  /** SQLite file, `':memory:'`, or the default path (`HAILOG_DB`) when omitted. */
  db?: string | null
  /** Store prompt text (off by default). */
  captureContent?: boolean
  /**
   * Events that may wait for the background writer (default 65,536); when that many wait,
   * handing more to the core waits for room.
   */
  queueCapacity?: number
}

/**
 * A ledger over one SQLite database. `log()` returns the event id at once; events reach the
 * core in batches and are flushed on `flush()`, `close()` and at process exit.
 */
export declare class Client {
  constructor(options?: ClientOptions)
  log(event: LogEvent): string
  /** Durable on return; throws the first buffered event that failed validation. */
  flush(): void
  summary(sessionId: string): SessionSummary | null
  /** Each session operation returns the id of the event it logged. */
  startSession(sessionId: string, options?: SessionOptions): string
  endSession(sessionId: string, notes?: string): string
  acknowledge(sessionId: string): string
  pause(sessionId: string, reason: string): string
  resume(sessionId: string): string
  note(sessionId: string, text: string): string
  setName(sessionId: string, name: string): string
  addTag(sessionId: string, tag: string): string
  setRepo(sessionId: string, repo: string): string
  addPullRequest(sessionId: string, url: string): string
  addCommit(sessionId: string, sha: string): string
  setBudget(sessionId: string, limits: { softUsd?: string | number | null; hardUsd?: string | number | null }): string
  checkBudget(sessionId: string): BudgetCheck
  status(sessionId: string, options?: { now?: Date | string | number }): SessionStatus | null
  sessions(filter?: SessionFilter): SessionListing[]
  stats(options?: StatsOptions): StatRow[]
  /** Read on the thread pool; null for an unknown session. */
  export(sessionId: string, options?: { format?: 'json' | 'csv' | 'hail' }): Promise<string | null>
  recoverStale(maxAgeSeconds: number): string[]
  session(sessionId: string, options?: SessionOptions): Session
  close(): void
}

export type SessionStatus = 'active' | 'idle' | 'done' | 'errored' | 'paused'

export interface SessionOptions {
  name?: string
  agent?: string
  tags?: string[]
  metadata?: Record<string, unknown>
}

export type BudgetState =
  | { state: 'ok' }
  | { state: 'soft_limit' | 'hard_limit'; scope: string; spent: string; limit: string }

export interface BudgetCheck {
  state: BudgetState
  /** Exact decimal strings. */
  spentUsd: string
  softUsd: string | null
  hardUsd: string | null
}

export interface TimeRange {
  window?: '24h' | '7d' | '30d' | 'all'
  since?: Date | string | number
  until?: Date | string | number
}

export interface SessionFilter extends TimeRange {
  agent?: string
  status?: SessionStatus
  tag?: string
  repo?: string
  model?: string
  sort?: 'lastEvent' | 'started' | 'cost' | 'events'
  limit?: number
}

/** A session's stored row (totals, timestamps, name, tags, models) with its status. */
export interface SessionListing {
  sessionId: string
  status: SessionStatus
  [field: string]: unknown
}

export interface StatsOptions extends TimeRange {
  by?: 'model' | 'provider' | 'agent'
}

export interface StatRow {
  key: string | null
  requests: number
  failures: number
  inputTokens: number
  outputTokens: number
  /** Exact decimal string. */
  costUsd: string
  /** Requests with usage but an unknown price: their cost is unknown, not zero. */
  unpriced: number
}

/** One session of a client: its calls need no session id. */
export declare class Session {
  private constructor()
  readonly id: string
  log(event?: Omit<LogEvent, 'sessionId'>): string
  note(text: string): string
  summary(): SessionSummary | null
  status(options?: { now?: Date | string | number }): SessionStatus | null
  checkBudget(): BudgetCheck
  end(notes?: string): string
}

export interface TrackStreamOptions {
  sessionId: string
  /** The client to log into; the module-level one when omitted. */
  client?: Client
  provider?: string
  model?: string
  traceId?: string
  agent?: string
  tool?: string
}

/**
 * Yields the SDK's chunks unchanged and logs one LLM call when the stream ends: usage from the
 * chunks; `failed` with partial usage if it threw; `cancelled` if the consumer stopped early.
 */
export declare function trackStream<T>(stream: AsyncIterable<T>, options: TrackStreamOptions): AsyncGenerator<T, void, undefined>

/** Opens the module-level client used by `log`, `flush` and `close`. */
export declare function configure(options?: ClientOptions): Client
export declare function log(event: LogEvent): string
export declare function flush(): void
export declare function close(): void
