// trackStream over streams of the real `openai` and `@anthropic-ai/sdk` packages (captured
// bodies through a local fetch): chunks pass unchanged, usage is logged when the stream ends.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import { Client, HailogError, configure, close, trackStream } from '../index.mjs'
import { capturesDir, vectorsDir } from './helpers.mjs'

const capture = (rel) => {
  const inShared = path.join(capturesDir, rel)
  return fs.readFileSync(fs.existsSync(inShared) ? inShared : path.join(vectorsDir, 'usage', rel))
}
const replay = (body) => async () => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } })

async function anthropicStream() {
  const sdk = new Anthropic({ apiKey: 'sk-local', fetch: replay(capture('anthropic/pai_anth_stream_web_search.sse')) })
  return sdk.messages.create({ model: 'claude-sonnet-4', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] })
}

async function collect(iterable) {
  const out = []
  for await (const chunk of iterable) out.push(chunk)
  return out
}

test('an anthropic stream: same chunks, usage logged at the end', async () => {
  const plain = await collect(await anthropicStream())
  const client = new Client({ db: ':memory:' })
  const seen = await collect(trackStream(await anthropicStream(), { sessionId: 'st', client, traceId: 't1' }))
  assert.deepEqual(seen, plain)
  const s = client.summary('st')
  assert.equal(s.requestCount, 1)
  assert.equal(s.tokens.input, 31772)
  assert.equal(s.tokens.output, 644)
  assert.equal(s.errorCount, 0)
  client.close()
})

test('an openai stream logs into the module-level client', async () => {
  const client = configure({ db: ':memory:' })
  const sdk = new OpenAI({ apiKey: 'sk-local', fetch: replay(capture('openai-chat/pai_chat_stream_text_after_tool_gpt-4o-mini.sse')) })
  const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  let chunks = 0
  for await (const chunk of trackStream(stream, { sessionId: 'oa' })) {
    assert.equal(chunk.object, 'chat.completion.chunk')
    chunks++
  }
  assert.ok(chunks > 1)
  const s = client.summary('oa')
  assert.deepEqual([s.requestCount, s.tokens.input, s.tokens.output], [1, 78, 9])
  assert.ok(s.models['gpt-4o-mini-2024-07-18'])
  close()
})

test('a stream that throws is rethrown and logged as failed with partial usage', async () => {
  const client = new Client({ db: ':memory:' })
  async function* breaksAfterThree() {
    let n = 0
    for await (const chunk of await anthropicStream()) {
      if (n++ === 3) throw new Error('connection reset')
      yield chunk
    }
  }
  let seen = 0
  await assert.rejects(async () => {
    for await (const _ of trackStream(breaksAfterThree(), { sessionId: 'bad', client })) seen++
  }, /connection reset/)
  assert.equal(seen, 3)
  const s = client.summary('bad')
  assert.equal(s.requestCount, 1)
  assert.equal(s.errorCount, 1)
  assert.match(s.lastError, /connection reset/)
  // The usage seen before the failure (message_start's count), not the final one.
  assert.equal(s.tokens.input, 2050)
  const [event] = JSON.parse(await client.export('bad')).events.filter((e) => e.attributes['hailog.usage'])
  assert.equal(event.attributes['hailog.usage'].partial, true)
  assert.equal(event.attributes['hailog.outcome'], 'failed')
  client.close()
})

test('a consumer that stops early logs what was seen as cancelled', async () => {
  const client = new Client({ db: ':memory:' })
  for await (const _ of trackStream(await anthropicStream(), { sessionId: 'early', client })) break
  const s = client.summary('early')
  assert.equal(s.requestCount, 1)
  assert.equal(s.errorCount, 0)
  const rows = (await client.export('early', { format: 'csv' })).trim().split('\n')
  assert.equal(rows[1].split(',')[3], 'cancelled')
  client.close()
})

test('a missing sessionId is an invalid_input error before the stream is read', async () => {
  let pulled = false
  async function* src() {
    pulled = true
    yield {}
  }
  await assert.rejects(collect(trackStream(src(), {})), (e) => e instanceof HailogError && e.code === 'invalid_input')
  assert.equal(pulled, false)
})
