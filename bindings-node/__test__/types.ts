// Type-level checks of index.d.ts, run by `tsc --noEmit` (never executed).
import { HailogError, version, type ErrorCode } from 'hailog'

const v: string = version()
void v

function handle(err: unknown): ErrorCode | undefined {
  if (err instanceof HailogError) {
    const code: ErrorCode = err.code
    const message: string = err.message
    void message
    return code
  }
  return undefined
}
void handle

// @ts-expect-error: codes are a closed set
const bad: ErrorCode = 'not_a_code'
void bad

import { parseUsage, StreamParser, type Usage } from 'hailog'
const u: Usage = parseUsage('{}', 'openai')
const total: number | null = u.inputTotal
void total
const p = new StreamParser('anthropic')
p.feed(new Uint8Array())
p.feed({ type: 'message_stop' })
const done: Usage = p.finish()
void done
// @ts-expect-error: unknown provider names are rejected at compile time
parseUsage('{}', 'not-a-provider')

import { readHail, type HailEvent } from 'hailog'
async function countEvents(path: string): Promise<number> {
  let n = 0
  for await (const event of readHail(path, { batchSize: 10 })) {
    const e: HailEvent = event
    void e.event_id
    n++
  }
  return n
}
void countEvents

import { cost, PriceTable, type Cost } from 'hailog'
const c: Cost = cost('gpt-4o', { input: 10, cacheRead: 2 }, { at: new Date(), serviceTier: 'flex' })
const exact: string | null = c.total
void exact
const table = PriceTable.builtin()
const v2: string = table.version
void v2
table.cost('claude-sonnet-4-5', parseUsage('{}'))
// @ts-expect-error: tables come from the static constructors
new PriceTable()

import { Client, configure, log, flush, close, type SessionSummary } from 'hailog'
const ledger: Client = configure({ db: ':memory:' })
const eventId: string = log({ sessionId: 'bot', model: 'gpt-4o', usage: { input: 1 } })
void eventId
flush()
const s: SessionSummary | null = ledger.summary('bot')
void s
close()
// @ts-expect-error: sessionId is required
new Client().log({ model: 'gpt-4o' })

import { trackStream, type BudgetCheck, type Session, type SessionStatus, type StatRow } from 'hailog'
const botSession: Session = ledger.session('bot', { name: 'n', tags: ['t'] })
const endId: string = botSession.end()
void endId
const budget: BudgetCheck = ledger.checkBudget('bot')
if (budget.state.state !== 'ok') void budget.state.limit
const st: SessionStatus | null = ledger.status('bot', { now: new Date() })
void st
const rows: StatRow[] = ledger.stats({ by: 'agent', window: '7d' })
void rows
const exported: Promise<string | null> = ledger.export('bot', { format: 'csv' })
void exported
async function relay(chunks: AsyncIterable<{ type: string }>) {
  for await (const chunk of trackStream(chunks, { sessionId: 'bot', client: ledger })) void chunk.type
}
void relay
// @ts-expect-error: sessionId is required
trackStream((async function* () {})(), {})
