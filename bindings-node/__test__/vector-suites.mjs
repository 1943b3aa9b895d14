// One handler per vector suite the Node package can run: (case, suiteDir) => void | Promise.
// A handler throws (through node:assert) when the package disagrees with `expected`.
import assert from 'node:assert/strict'
import { HailogError } from '../index.mjs'

/** Checks an `{"error": {"kind", "line"}}` expectation against a thrown error. */
export async function expectError(expected, action) {
  await assert.rejects(async () => action(), (err) => {
    assert.ok(err instanceof HailogError, `expected a HailogError, got ${err}`)
    if (expected.kind) assert.equal(err.code, expected.kind)
    if (expected.line !== undefined) assert.match(err.message, new RegExp(`line ${expected.line}\\b`))
    return true
  })
}

export const suites = {}
