// One contender of the "log one LLM call from Node" row, in a fresh process.
//   node node_log.mjs hailog|floor N
// Prints one JSON object: microseconds per call on the caller's thread (`value`) and until
// everything is durable. The floor is the cheapest pure-JS ledger: JSON.stringify plus
// better-sqlite3 inserts in batched transactions (WAL, synchronous=NORMAL).
import { createRequire } from 'node:module'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const [which, count] = process.argv.slice(2)
const N = Number(count)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailog-bench-'))

const event = (i) => ({
  sessionId: 'bench',
  model: 'gpt-4o-mini',
  usage: { input: 900, cacheRead: 300, output: 85 },
  latencyMs: i % 900,
})

function hailog() {
  const { Client } = require('../../bindings-node')
  const client = new Client({ db: path.join(dir, 'hailog.db') })
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) client.log(event(i))
  const t1 = process.hrtime.bigint()
  client.flush()
  const t2 = process.hrtime.bigint()
  if (client.summary('bench').requestCount !== N) throw new Error('hailog lost events')
  client.close()
  return { value: Number(t1 - t0) / N / 1000, durable_us: Number(t2 - t0) / N / 1000 }
}

function floor() {
  const Database = require('better-sqlite3')
  const db = new Database(path.join(dir, 'floor.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('CREATE TABLE events (id TEXT PRIMARY KEY, session_id TEXT, ts INTEGER, body TEXT)')
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?)')
  const commit = db.transaction((rows) => {
    for (const r of rows) insert.run(r[0], r[1], r[2], r[3])
  })
  let rows = []
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) {
    const e = event(i)
    rows.push([randomUUID(), e.sessionId, Date.now(), JSON.stringify(e)])
    if (rows.length === 1000) {
      commit(rows)
      rows = []
    }
  }
  commit(rows)
  const t1 = process.hrtime.bigint()
  db.close()
  const us = Number(t1 - t0) / N / 1000
  return { value: us, durable_us: us }
}

const run = { hailog, floor }[which]
const result = run()
fs.rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify({ ...result, unit: 'us/call' }))
