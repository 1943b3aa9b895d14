// log() per-call cost of the Node package against a pure-JS ledger doing the same work
// (JSON.stringify + better-sqlite3 inserts in batched transactions), measured in one run.
//   cd bench && npm install && node node_log.mjs [events]
// Build the addon optimized first: cd bindings-node && npm run build
import { createRequire } from 'node:module'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const { Client } = require('../bindings-node')
const Database = require('better-sqlite3')

const N = Number(process.argv[2] ?? 200_000)
// Also timed per chunk of this many events (one transaction on the pure-JS side, one batch
// hand-over on hailog's): the median chunk is the typical cost, which a descheduled moment on a
// busy machine does not move the way it moves the mean.
const CHUNK = 512
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ROUNDS = 3
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailog-bench-'))

const event = (i) => ({
  sessionId: `bot-${i & 15}`,
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  usage: { input: 1200, cacheRead: 3000, output: 250 },
  latencyMs: 830,
  traceId: 'step-7',
})

function hailog(round) {
  const client = new Client({ db: path.join(dir, `hailog-${round}.db`) })
  const chunks = []
  const t0 = process.hrtime.bigint()
  let t = t0
  for (let i = 0; i < N; i++) {
    client.log(event(i))
    if ((i + 1) % CHUNK === 0) {
      const now = process.hrtime.bigint()
      chunks.push(Number(now - t) / CHUNK / 1000)
      t = now
    }
  }
  const t1 = process.hrtime.bigint()
  client.flush()
  const t2 = process.hrtime.bigint()
  client.close()
  return { log: Number(t1 - t0) / N / 1000, durable: Number(t2 - t0) / N / 1000, p50: median(chunks) }
}

function pureJs(round) {
  const db = new Database(path.join(dir, `js-${round}.db`))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('CREATE TABLE events (id TEXT PRIMARY KEY, session_id TEXT, ts INTEGER, body TEXT)')
  const insert = db.prepare('INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?)')
  const commit = db.transaction((rows) => {
    for (const r of rows) insert.run(r[0], r[1], r[2], r[3])
  })
  let rows = []
  const chunks = []
  const t0 = process.hrtime.bigint()
  let t = t0
  for (let i = 0; i < N; i++) {
    const e = event(i)
    const id = randomUUID()
    rows.push([id, e.sessionId, Date.now(), JSON.stringify(e)])
    if (rows.length === CHUNK) {
      commit(rows)
      rows = []
      const now = process.hrtime.bigint()
      chunks.push(Number(now - t) / CHUNK / 1000)
      t = now
    }
  }
  commit(rows)
  const t1 = process.hrtime.bigint()
  db.close()
  return { log: Number(t1 - t0) / N / 1000, durable: Number(t1 - t0) / N / 1000, p50: median(chunks) }
}
const results = { hailog: [], js: [] }
for (let r = 0; r < ROUNDS; r++) {
  results.hailog.push(hailog(r))
  results.js.push(pureJs(r))
}
const h = { log: median(results.hailog.map((x) => x.log)), durable: median(results.hailog.map((x) => x.durable)) }
const j = { log: median(results.js.map((x) => x.log)), durable: median(results.js.map((x) => x.durable)) }
console.log(`events per round: ${N}, rounds: ${ROUNDS} (medians)`)
console.log(`hailog log() call:                ${h.log.toFixed(2)} us/event`)
console.log(`hailog log() + flush to SQLite:   ${h.durable.toFixed(2)} us/event`)
console.log(`pure JS stringify + better-sqlite3: ${j.durable.toFixed(2)} us/event`)
console.log(`ratio (pure JS / hailog log()):   ${(j.durable / h.log).toFixed(2)}x`)
console.log(`ratio (pure JS / hailog durable): ${(j.durable / h.durable).toFixed(2)}x`)
const hp = median(results.hailog.map((x) => x.p50))
const jp = median(results.js.map((x) => x.p50))
console.log(`p50 (median ${CHUNK}-event chunk): hailog log() ${hp.toFixed(2)} us, pure JS ${jp.toFixed(2)} us, ratio ${(jp / hp).toFixed(2)}x`)
fs.rmSync(dir, { recursive: true, force: true })
