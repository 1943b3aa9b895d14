// The ledger: log returns ids at once, flush makes events durable, summaries add up, pending
// events survive process exit, and clients work inside worker threads.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Client, HailogError } from '../index.mjs'
import { pkgDir } from './helpers.mjs'

const tmpDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hailog-node-')), 'ledger.db')

test('log returns distinct time-ordered ids and the summary adds up', () => {
  const client = new Client({ db: ':memory:' })
  const ids = []
  for (let i = 0; i < 1000; i++) {
    ids.push(client.log({ sessionId: 'bot-1', provider: 'openai', model: 'gpt-4o', usage: { input: 100, output: 10, cacheRead: 50 }, latencyMs: 20 }))
  }
  assert.equal(new Set(ids).size, 1000)
  assert.deepEqual([...ids].sort(), ids)
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  const summary = client.summary('bot-1')
  assert.equal(summary.requestCount, 1000)
  assert.equal(summary.tokens.input, 100_000)
  assert.equal(summary.tokens.cacheRead, 50_000)
  assert.equal(typeof summary.costUsd, 'string')
  assert.equal(client.summary('never-seen'), null)
  client.close()
})

test('a queue with room for one event still stores every event, and a bad capacity is refused', () => {
  const client = new Client({ db: ':memory:', queueCapacity: 1 })
  for (let i = 0; i < 500; i++) client.log({ sessionId: 'narrow', model: 'gpt-4o', usage: { input: 10, output: 2 } })
  client.flush()
  assert.equal(client.summary('narrow').requestCount, 500)
  client.close()
  for (const bad of [0, -1, 1.5, '8', 2 ** 32]) {
    assert.throws(
      () => new Client({ db: ':memory:', queueCapacity: bad }),
      (e) => e instanceof HailogError && e.code === 'invalid_input' && e.message.includes('queueCapacity'),
    )
  }
})

test('logging the same event id twice counts once', () => {
  const client = new Client({ db: ':memory:' })
  for (let i = 0; i < 3; i++) client.log({ sessionId: 's', eventId: 'retry-1', model: 'gpt-4o', usage: { input: 5, output: 1 } })
  assert.equal(client.summary('s').requestCount, 1)
  client.close()
})

test('a bad event fails the next flush with its id and field; others are kept', () => {
  const client = new Client({ db: ':memory:' })
  client.log({ sessionId: 'ok', model: 'gpt-4o', usage: { input: 1 } })
  const bad = client.log({ sessionId: 'x'.repeat(300) })
  assert.throws(() => client.flush(), (e) => e instanceof HailogError && e.code === 'invalid_input' && e.message.includes(bad) && /sessionId/.test(e.message))
  assert.equal(client.summary('ok').requestCount, 1)
  client.close()
  assert.throws(() => client.log({ sessionId: 'late' }), (e) => e instanceof HailogError && e.code === 'closed')
})

test('events logged just before a normal exit are written', () => {
  const db = tmpDb()
  const script = `
    const { Client } = require(${JSON.stringify(pkgDir)})
    const c = new Client({ db: ${JSON.stringify(db)} })
    for (let i = 0; i < 700; i++) c.log({ sessionId: 'exiting', model: 'gpt-4o', usage: { input: 1, output: 1 } })
  `
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  const reader = new Client({ db })
  assert.equal(reader.summary('exiting').requestCount, 700)
  reader.close()
})

test('clients in worker threads write to one database', async () => {
  const db = tmpDb()
  const code = `
    const { workerData, parentPort } = require('node:worker_threads')
    const { Client } = require(${JSON.stringify(pkgDir)})
    const c = new Client({ db: workerData.db })
    for (let i = 0; i < 200; i++) c.log({ sessionId: 'shared', model: 'gpt-4o', usage: { input: 2, output: 1 } })
    c.close()
    parentPort.postMessage('done')
  `
  const run = () =>
    new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { db } })
      w.once('message', resolve)
      w.once('error', reject)
    })
  assert.deepEqual(await Promise.all([run(), run(), run()]), ['done', 'done', 'done'])
  const reader = new Client({ db })
  assert.equal(reader.summary('shared').requestCount, 600)
  reader.close()
})
