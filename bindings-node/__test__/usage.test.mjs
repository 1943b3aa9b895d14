// parseUsage and StreamParser over response objects of the real `openai` and
// `@anthropic-ai/sdk` packages, built from captured bodies through a local fetch (no network).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import { HailogError, StreamParser, parseUsage } from '../index.mjs'
import { capturesDir, vectorsDir } from './helpers.mjs'

const capture = (rel) => {
  const inShared = path.join(capturesDir, rel)
  return fs.readFileSync(fs.existsSync(inShared) ? inShared : path.join(vectorsDir, 'usage', rel))
}

/** A fetch that answers every request with one captured body. */
const replay = (body, contentType) => async () =>
  new Response(body, { status: 200, headers: { 'content-type': contentType, 'request-id': 'req_local' } })

test('an openai ChatCompletion object', async () => {
  const client = new OpenAI({ apiKey: 'sk-local', fetch: replay(capture('openai-chat/pai_chat_o3-mini_reasoning.json'), 'application/json') })
  const completion = await client.chat.completions.create({ model: 'o3-mini', messages: [{ role: 'user', content: 'hi' }] })
  const usage = parseUsage(completion)
  assert.equal(usage.provider, 'openai')
  assert.equal(usage.model, 'o3-mini-2025-01-31')
  assert.equal(usage.input, 7)
  assert.equal(usage.reasoning, 64)
  assert.equal(usage.output, 87 - 64)
  assert.equal(usage.outputTotal, 87)
})

test('an anthropic Message object', async () => {
  const client = new Anthropic({ apiKey: 'sk-local', fetch: replay(capture('anthropic/pai_anth_cache_read_and_write_5m.json'), 'application/json') })
  const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
  const usage = parseUsage(message)
  assert.deepEqual(
    [usage.input, usage.cacheRead, usage.cacheWrite5m, usage.cacheWrite1h, usage.output, usage.inputTotal],
    [3, 1111, 418, 0, 33, 1532],
  )
})

test('anthropic stream chunks from the SDK, fed as objects', async () => {
  const client = new Anthropic({ apiKey: 'sk-local', fetch: replay(capture('anthropic/pai_anth_stream_web_search.sse'), 'text/event-stream') })
  const stream = await client.messages.create({ model: 'claude-sonnet-4', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const parser = new StreamParser('anthropic')
  let chunks = 0
  for await (const chunk of stream) {
    parser.feed(chunk)
    chunks++
  }
  assert.ok(chunks > 2)
  const usage = parser.finish()
  assert.deepEqual([usage.input, usage.output, usage.webSearchRequests, usage.partial], [31772, 644, 2, false])
})

test('openai stream chunks from the SDK, fed as objects', async () => {
  const client = new OpenAI({ apiKey: 'sk-local', fetch: replay(capture('openai-chat/pai_chat_stream_text_after_tool_gpt-4o-mini.sse'), 'text/event-stream') })
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const parser = new StreamParser()
  for await (const chunk of stream) parser.feed(chunk)
  const usage = parser.finish()
  assert.deepEqual([usage.input, usage.output, usage.model], [78, 9, 'gpt-4o-mini-2024-07-18'])
})

test('a Buffer, a string and an object give the same usage', () => {
  const bytes = capture('openai-chat/vercel_openai-text.json')
  const a = parseUsage(bytes)
  assert.deepEqual(parseUsage(bytes.toString('utf8')), a)
  assert.deepEqual(parseUsage(JSON.parse(bytes.toString('utf8'))), a)
  assert.equal(a.inputTotal, 16)
})

test('absent is null, not zero', () => {
  const usage = parseUsage(capture('anthropic/pai_anth_cache_read_and_write_5m.json'))
  assert.equal(usage.reasoning, null)
  assert.equal(usage.inputAudio, null)
})

test('a stream cut off before its usage is partial', () => {
  const sse = capture('anthropic/pai_anth_stream_web_search.sse')
  const parser = new StreamParser('anthropic')
  parser.feed(sse.subarray(0, 600))
  const usage = parser.finish()
  assert.equal(usage.partial, true)
})

test('bad input is a HailogError with a code and position', () => {
  assert.throws(() => parseUsage('{"usage": '), (e) => e instanceof HailogError && e.code === 'usage_parse' && /byte \d+/.test(e.message))
  assert.throws(() => parseUsage('{}', 'nope'), (e) => e instanceof HailogError && e.code === 'usage_parse' && /"nope"/.test(e.message))
  assert.throws(() => parseUsage(42), (e) => e instanceof HailogError && e.code === 'invalid_input')
  const parser = new StreamParser()
  parser.finish()
  assert.throws(() => parser.finish(), (e) => e instanceof HailogError && e.code === 'closed')
  assert.throws(() => parser.feed('data: {}\n\n'), (e) => e instanceof HailogError && e.code === 'closed')
})
