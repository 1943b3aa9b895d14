// One handler per vector suite the Node package can run: (case, suiteDir) => void | Promise.
// A handler throws (through node:assert) when the package disagrees with `expected`.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { HailogError, StreamParser, parseUsage } from '../index.mjs'

/** Checks an `{"error": {"kind", "line"}}` expectation against a thrown error. */
export async function expectError(expected, action) {
  await assert.rejects(async () => action(), (err) => {
    assert.ok(err instanceof HailogError, `expected a HailogError, got ${err}`)
    if (expected.kind) assert.equal(err.code, expected.kind)
    if (expected.line !== undefined) assert.match(err.message, new RegExp(`line ${expected.line}\\b`))
    return true
  })
}

/** snake_case vector keys to the package's camelCase fields. */
export const camel = (key) => key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

function usageOf({ file, mode, provider }, dir) {
  const data = fs.readFileSync(path.join(dir, file))
  if (mode === 'body') return parseUsage(data, provider)
  const parser = new StreamParser(provider)
  if (mode === 'stream') {
    // Odd-sized chunks so events and frames straddle feeds.
    for (let start = 0; start < data.length; start += 97) parser.feed(data.subarray(start, start + 97))
  } else if (mode === 'chunks') {
    for (const line of data.toString('utf8').split('\n')) if (line) parser.feedEvent(line)
  } else {
    throw new Error(`unknown mode ${mode}`)
  }
  return parser.finish()
}

export const suites = {
  usage(c, dir) {
    const usage = usageOf(c.input, dir)
    for (const [key, want] of Object.entries(c.expected)) {
      if (key === 'error_contains') {
        assert.ok(usage.error?.message?.includes(want), `error message ${usage.error?.message} lacks ${want}`)
      } else {
        assert.deepEqual(usage[camel(key)], want, key)
      }
    }
  },
}
