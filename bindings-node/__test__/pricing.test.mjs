// cost and PriceTable: exact decimal strings, unpriced is null, errors carry their kind.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { HailogError, PriceTable, cost, parseUsage } from '../index.mjs'

const at = '2025-10-15T12:00:00Z'

test('the total is an exact decimal string and the breakdown sums to it', () => {
  const c = cost('claude-sonnet-4-5', { input: 1000, cacheRead: 20000, cacheWrite5m: 3000, output: 500 }, { at })
  assert.equal(c.total, '0.02775')
  assert.equal(c.provenance, 'computed')
  assert.deepEqual(Object.keys(c.breakdown).sort(), ['cacheRead', 'cacheWrite5m', 'input', 'output'])
  // Sum in integer micro-cents of a millionth to stay exact in JS.
  const scale = (d) => BigInt(d.replace('.', '').padEnd(d.indexOf('.') + 12, '0'))
  const sum = Object.values(c.breakdown).reduce((a, d) => a + scale(d.padEnd(12, '0')), 0n)
  assert.equal(sum, scale(c.total.padEnd(12, '0')))
})

test('an unknown model is unpriced, never zero', () => {
  const c = cost('no-such-model-9000', { input: 10, output: 10 })
  assert.equal(c.total, null)
  assert.equal(c.provenance, 'unpriced')
})

test('a parsed usage can be priced directly', () => {
  const usage = parseUsage({
    id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [],
    stop_reason: 'end_turn', usage: { input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  })
  const c = cost(usage.model, usage, { at })
  assert.equal(c.model, 'claude-sonnet-4-5')
  assert.equal(c.total, '0.0105')
})

test('a negative count is invalid_usage naming the bucket', () => {
  assert.throws(() => cost('gpt-4o', { output: -3 }), (e) => e instanceof HailogError && e.code === 'pricing' && e.kind === 'invalid_usage' && e.bucket === 'output')
  assert.throws(() => cost('gpt-4o', { input: 1.5 }), (e) => e instanceof HailogError && e.kind === 'invalid_usage' && e.bucket === 'input')
  assert.throws(() => cost('gpt-4o', null), (e) => e instanceof HailogError && e.code === 'invalid_input')
})

test('a bad price file names what is wrong', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailog-prices-'))
  try {
    const file = path.join(dir, 'prices.json')
    fs.writeFileSync(file, '{"models": [')
    assert.throws(() => PriceTable.load(file), (e) => e instanceof HailogError && e.code === 'pricing' && /json/.test(e.message))
    assert.throws(() => PriceTable.load(path.join(dir, 'missing.json')), (e) => e instanceof HailogError && e.code === 'pricing')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('PriceTable.builtin prices like cost()', () => {
  const table = PriceTable.builtin()
  assert.match(table.version, /\d{4}-\d{2}-\d{2}/)
  assert.deepEqual(table.cost('gpt-4o', { input: 100, output: 100 }, { at }), cost('gpt-4o', { input: 100, output: 100 }, { at }))
})
