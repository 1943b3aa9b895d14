// readHail: an async iterator over a HAIL file, read off the event loop in batches; summarizeHail,
// canonicalHail and summarize: whole files and event lists summarized like the Python package.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { Client, HailogError, canonicalHail, readHail, summarize, summarizeHail } from '../index.mjs'
import { vectorsDir } from './helpers.mjs'

const valid = path.join(vectorsDir, 'hail', 'valid')
const invalid = path.join(vectorsDir, 'hail', 'invalid')

async function collect(file, options) {
  const events = []
  for await (const event of readHail(file, options)) events.push(event)
  return events
}

test('reads every event of a real OpenSession file, whatever the batch size', async () => {
  const file = path.join(valid, 'opensession-019cb6f9.hail.jsonl')
  const events = await collect(file)
  assert.equal(events.length, 288)
  assert.deepEqual(await collect(file, { batchSize: 7 }), events)
  assert.equal(typeof events[0].event_id, 'string')
  assert.equal(typeof events[0].event_type.type, 'string')
  assert.equal(new Set(events.map((e) => e.event_id)).size, 288)
})

test('the event loop keeps running while a file is read', async () => {
  const file = path.join(valid, 'opensession-c3df7c0b.hail.jsonl')
  let ticks = 0
  const timer = setInterval(() => ticks++, 0)
  let count = 0
  for await (const _ of readHail(file, { batchSize: 16 })) count++
  clearInterval(timer)
  assert.equal(count, 414)
  assert.ok(ticks > 0, 'no timer ran while reading')
})

test('a malformed line rejects with hail_format and its line number', async () => {
  await assert.rejects(collect(path.join(invalid, 'truncated.hail.jsonl')), (err) => {
    assert.ok(err instanceof HailogError)
    assert.equal(err.code, 'hail_format')
    assert.match(err.message, /line 3\b/)
    return true
  })
})

test('a missing file rejects with storage and names the path', async () => {
  const missing = path.join(valid, 'does-not-exist.hail.jsonl')
  assert.ok(!fs.existsSync(missing))
  await assert.rejects(collect(missing), (err) => err instanceof HailogError && err.code === 'storage' && err.message.includes(missing))
})

test('breaking out early stops reading without error', async () => {
  let n = 0
  for await (const _ of readHail(path.join(valid, 'opensession-c3df7c0b.hail.jsonl'), { batchSize: 5 })) {
    if (++n === 3) break
  }
  assert.equal(n, 3)
})

test('summarizeHail gives the header, stats and summary of a real file, with its status', async () => {
  const file = path.join(valid, 'opensession-019cb6f9.hail.jsonl')
  const f = await summarizeHail(file, { now: '2030-01-01T00:00:00Z' })
  assert.equal(f.dialect, 'hail1')
  assert.equal(f.header.sessionId, '019cb6f9-d01e-7941-afc9-86338cbe139b')
  assert.equal(f.summary.eventCount, 288)
  assert.equal(f.summary.status, 'done')
  assert.deepEqual(f.computedStats, f.stats, 'hailog agrees with the file\'s own stats line')
  // Tool names are the caller's words: not camelCased.
  assert.ok(Object.keys(f.summary.tools).includes('write_stdin'), Object.keys(f.summary.tools).join())
})

test('summarizeHail rejects a bad file with the error kind and line as fields', async () => {
  await assert.rejects(summarizeHail(path.join(invalid, 'truncated.hail.jsonl')), (err) => {
    assert.ok(err instanceof HailogError)
    assert.equal(err.code, 'hail_format')
    assert.equal(typeof err.kind, 'string')
    assert.ok(Number.isInteger(err.line) && err.line > 0, String(err.line))
    assert.match(err.message, new RegExp(`line ${err.line}\\b`))
    return true
  })
})

test('canonicalHail rewrites a file as hail-1.0.0 lines that read back to the same events', async () => {
  const file = path.join(valid, 'opensession-c3df7c0b.hail.jsonl')
  const text = await canonicalHail(file)
  const lines = text.trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(lines[0].type, 'header')
  assert.equal(lines.at(-1).type, 'stats')
  const copy = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'hail-')), 'copy.hail.jsonl')
  fs.writeFileSync(copy, text)
  assert.deepEqual(await collect(copy), await collect(file))
})

test('summarize folds event objects and derives the status at `now`', () => {
  const events = [
    { type: 'event', event_id: 'a', timestamp: '2026-03-04T10:00:00Z', event_type: { type: 'UserMessage' }, content: { blocks: [] } },
    JSON.stringify({ type: 'event', event_id: 'b', timestamp: '2026-03-04T10:01:00Z', event_type: { type: 'ToolCall', data: { name: 'read_file' } }, content: { blocks: [] } }),
  ]
  const at = (now) => summarize(events, { sessionId: 's', now })
  assert.equal(at('2026-03-04T10:02:00Z').status, 'active')
  assert.equal(at(new Date('2026-03-04T10:20:00Z')).status, 'idle')
  assert.equal(at('2026-03-04T12:00:00Z').status, 'done')
  const s = at('2026-03-04T10:02:00Z')
  assert.equal(s.eventCount, 2)
  assert.equal(s.durationSeconds, 60)
  assert.equal(s.tools.read_file.calls, 1)
})

test('summarize names the position of a bad event as its line', () => {
  const good = { type: 'event', event_id: 'a', timestamp: '2026-03-04T10:00:00Z', event_type: { type: 'UserMessage' }, content: { blocks: [] } }
  assert.throws(() => summarize([good, { type: 'event' }], { sessionId: 's' }), (err) => {
    assert.ok(err instanceof HailogError)
    assert.equal(err.code, 'hail_format')
    assert.equal(err.line, 2)
    return true
  })
  assert.throws(() => summarize('not a list'), (err) => err instanceof HailogError && err.code === 'invalid_input')
})

test('Client.summary carries the status, latency percentiles and every bucket', () => {
  const client = new Client({ db: ':memory:' })
  client.log({ sessionId: 's', model: 'gpt-4o', usage: { input: 10, output: 2 }, latencyMs: 40 })
  client.log({ sessionId: 's', kind: 'tool_call', tool: 'read_file' })
  const s = client.summary('s')
  client.close()
  assert.equal(s.status, 'active')
  assert.ok(Math.abs(s.latencyMs.p50 - 40) <= 2, String(s.latencyMs.p50)) // a histogram bucket's value
  assert.equal(s.tokens.input, 10)
  assert.equal(s.tokens.cacheRead, null)
  assert.ok('read_file' in s.tools, JSON.stringify(s.tools))
  assert.ok('gpt-4o' in s.models, JSON.stringify(s.models))
})
