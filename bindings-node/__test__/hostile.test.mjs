// Hostile input from JS: SQL, control characters, 1 MiB strings, lone surrogates, counts past
// 2**53 and 2**64, deep JSON. Each is refused with a HailogError (or JS's own error before the
// call) or stored and read back exactly, and the client keeps working afterwards.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Client, HailogError } from '../index.mjs'

const SQL = "x'); DROP TABLE events; DELETE FROM sessions WHERE ('1'='1"
const MEGABYTE = "\u0000\t'\"\\;--é🚀\r\n".repeat(1 << 16)
// The core's nesting bound for JSON values in an event (hailog::recorder::MAX_JSON_DEPTH).
const MAX_JSON_DEPTH = 64

const nested = (depth) => {
  let v = 1
  for (let i = 0; i < depth; i++) v = [v]
  return v
}

const invalid = (err) => err instanceof HailogError && err.code === 'invalid_input'

test('SQL, control characters and a megabyte are stored and read back exactly', async () => {
  const client = new Client({ db: ':memory:' })
  const sessions = [SQL, 'séance ✓ 🚀', 'robert"); --']
  for (const s of sessions) {
    client.startSession(s, { name: SQL, tags: [SQL], metadata: { [SQL]: MEGABYTE, deep: nested(MAX_JSON_DEPTH) } })
    client.note(s, MEGABYTE)
    client.log({ sessionId: s, provider: 'openai', model: 'gpt-4o', usage: { input: 10, output: 2 } })
  }
  client.flush()
  for (const s of sessions) {
    const exported = JSON.parse(await client.export(s))
    assert.equal(exported.summary.session_id, s)
    assert.equal(exported.events.length, 3)
    const note = exported.events.find((e) => e.attributes?.note !== undefined)
    assert.equal(note.attributes.note, MEGABYTE)
    assert.equal(client.summary(s).name, SQL)
    assert.deepEqual(client.summary(s).tags, [SQL])
  }
  client.close()
})

test('bad session ids are refused naming the field', () => {
  const client = new Client({ db: ':memory:' })
  for (const bad of ['a\u0000b', 'a\nb', '\u001b[31mred', '', 's'.repeat(257)]) {
    assert.throws(() => client.note(bad, 'x'), (err) => invalid(err) && /session_?id/i.test(err.message))
    client.log({ sessionId: bad, kind: 'note' })
    assert.throws(() => client.flush(), (err) => invalid(err) && /session_?id/i.test(err.message))
  }
  client.close()
})

test('lone surrogates are refused, never stored as replacement characters', async () => {
  const client = new Client({ db: ':memory:' })
  const lone = ['bot-\ud800', 'end\udfff', '\udc00start']
  for (const s of lone) {
    assert.throws(() => client.note(s, 'x'), invalid)
    assert.throws(() => client.note('ok', s), invalid)
    assert.throws(() => client.addTag('ok', s), invalid)
    client.log({ sessionId: s, kind: 'note' })
    assert.throws(() => client.flush(), invalid)
  }
  client.note('ok', 'still fine')
  client.flush()
  const exported = JSON.parse(await client.export('ok'))
  assert.equal(exported.events.length, 1)
  assert.equal(client.sessions().some((r) => (r.sessionId ?? r.session_id).includes('\ufffd')), false)
  client.close()
})

test('token counts past the bound, past 2**53 and past 2**64 are refused', () => {
  const client = new Client({ db: ':memory:' })
  for (const count of [2 ** 64, 2 ** 64 * 1024, Number.MAX_SAFE_INTEGER, 1e12 + 1, -1, 1.5]) {
    client.log({ sessionId: 'big', provider: 'openai', model: 'gpt-4o', usage: { input: count } })
    assert.throws(() => client.flush(), invalid, `input ${count}`)
  }
  // JSON has no Infinity or NaN (it would send null, an absent count): refused at the call.
  for (const count of [Infinity, -Infinity, NaN]) {
    assert.throws(() => client.log({ sessionId: 'big', usage: { output: count } }), invalid, `output ${count}`)
  }
  // A BigInt is refused by JSON itself before anything reaches the core.
  assert.throws(() => client.log({ sessionId: 'big', usage: { input: 2n ** 64n } }), TypeError)
  client.flush()
  assert.equal(client.summary('big'), null)
  client.close()
})

test('deep JSON is refused and the client goes on', () => {
  const client = new Client({ db: ':memory:' })
  for (const depth of [MAX_JSON_DEPTH + 1, 200]) {
    assert.throws(() => client.startSession('deep', { metadata: { deep: nested(depth) } }), invalid)
  }
  // Deeper than JSON.stringify can walk: JS's own RangeError, before the call.
  assert.throws(() => client.startSession('deep', { metadata: { deep: nested(1_000_000) } }), RangeError)
  client.startSession('deep', { metadata: { ok: nested(MAX_JSON_DEPTH) } })
  assert.equal(client.summary('deep').eventCount, 1)
  client.close()
})
