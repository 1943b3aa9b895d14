// readHail: an async iterator over a HAIL file, read off the event loop in batches.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { HailogError, readHail } from '../index.mjs'
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
