// One handler per vector suite the Node package can run: (case, suiteDir) => void | Promise.
// A handler throws (through node:assert) when the package disagrees with `expected`.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { HailogError, PriceTable, StreamParser, canonicalHail, parseUsage, readHail, summarize, summarizeHail } from '../index.mjs'

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

/** Decimal strings compared as numbers: `0.0150` equals `0.015`. */
const decimal = (d) => (d === null ? null : d.includes('.') ? d.replace(/0+$/, '').replace(/\.$/, '') : d)

// Summary maps keyed by names the caller chose: their keys are not camelCased.
const NAMED_MAPS = new Set(['models', 'tools', 'metadata'])

/**
 * Where `got` (camelCase) differs from the vector's `want` (snake_case): objects compare on the
 * keys `want` lists, decimal strings as numbers. Returns a list of mismatches.
 */
function mismatches(where, got, want, namedKeys = false) {
  if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
    if (got === null || typeof got !== 'object') return [`${where}: got ${JSON.stringify(got)}, expected an object`]
    return Object.entries(want).flatMap(([key, value]) => {
      const k = namedKeys ? key : camel(key)
      return mismatches(`${where}.${k}`, got[k], value, NAMED_MAPS.has(key) && !namedKeys)
    })
  }
  const numeric = (v) => typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)
  if (numeric(got) && numeric(want) ? decimal(got) === decimal(want) : JSON.stringify(got) === JSON.stringify(want)) return []
  return [`${where}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`]
}

/** Checks an `{"error": {"kind", "line"}}` expectation: a HAIL format error with those fields. */
function assertHailError(err, want) {
  assert.ok(err instanceof HailogError, `expected a HailogError, got ${err}`)
  assert.equal(err.code, 'hail_format', err.message)
  assert.equal(err.kind, want.kind, err.message)
  if (want.line !== undefined) assert.equal(err.line, want.line, err.message)
  return true
}

export const suites = {
  pricing(c) {
    const { model, usage, options, overrides } = c.input
    const table = PriceTable.builtin()
    if (overrides) table.set(overrides)
    const run = () => table.cost(model, usage, options)
    if (c.expected.error) {
      assert.throws(run, (err) => {
        assert.ok(err instanceof HailogError, String(err))
        assert.equal(err.kind, c.expected.error.kind, err.message)
        if (c.expected.error.bucket) assert.equal(err.bucket, c.expected.error.bucket)
        if (c.expected.error.candidates) assert.deepEqual(err.candidates, c.expected.error.candidates)
        return true
      })
      return
    }
    const cost = run()
    const want = c.expected
    if ('total' in want) assert.equal(decimal(cost.total), decimal(want.total), 'total')
    if ('provenance' in want) assert.equal(cost.provenance, want.provenance)
    if ('model' in want) assert.equal(cost.model, want.model)
    if ('breakdown' in want) {
      const got = Object.fromEntries(Object.entries(cost.breakdown).map(([k, v]) => [k, decimal(v)]))
      const exp = Object.fromEntries(Object.entries(want.breakdown).map(([k, v]) => [camel(k), decimal(v)]))
      assert.deepEqual(got, exp, 'breakdown')
    }
    if ('rules' in want) assert.deepEqual([...cost.rules].sort(), [...want.rules].sort(), 'rules')
  },
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
  async hail(c, dir) {
    const { file, options = {} } = c.input
    const filePath = path.join(dir, file)
    const opts = {
      maxLineBytes: options.max_line_bytes,
      checkDuplicateIds: options.check_duplicate_ids,
      idsInMemory: options.ids_in_memory,
      skipTornLastLine: options.skip_torn_last_line,
    }
    const want = c.expected
    if (want.error) {
      await assert.rejects(summarizeHail(filePath, opts), (err) => assertHailError(err, want.error))
      const iterate = async () => {
        for await (const _ of readHail(filePath, opts)) {
          // every event up to the error is delivered; the error ends the iteration
        }
      }
      await assert.rejects(iterate(), (err) => assertHailError(err, want.error))
      return
    }
    const f = await summarizeHail(filePath, opts)
    const found = []
    if ('session_id' in want) found.push(...mismatches('sessionId', f.header.sessionId, want.session_id))
    if ('dialect' in want) found.push(...mismatches('dialect', f.dialect, want.dialect))
    if ('summary' in want) found.push(...mismatches('summary', f.summary, want.summary))
    if ('stats' in want) found.push(...mismatches('stats', f.computedStats, want.stats))
    if ('stats_line' in want) {
      if (want.stats_line === null) {
        if (f.stats !== null) found.push(`stats_line: got ${JSON.stringify(f.stats)}, expected none`)
      } else {
        found.push(...mismatches('stats_line', f.stats ?? {}, want.stats_line))
      }
    }
    if ('warnings' in want) {
      const got = f.warnings.map(({ line, kind }) => ({ line, kind }))
      found.push(...mismatches('warnings', got, want.warnings))
    }
    // Iterating the file with the same options yields every event the summary counted.
    let iterated = 0
    for await (const _ of readHail(filePath, opts)) iterated += 1
    if (iterated !== f.summary.eventCount) found.push(`iterated ${iterated} events`)
    if (want.canonical && (await canonicalHail(filePath)) !== fs.readFileSync(filePath, 'utf8')) {
      found.push('canonical rewrite differs from the file')
    }
    assert.deepEqual(found, [])
  },
  status(c) {
    const { events, session_id: sessionId, now, thresholds = {} } = c.input
    const summary = summarize(events, {
      sessionId,
      now,
      idleAfterSeconds: thresholds.idle_after_seconds,
      doneAfterSeconds: thresholds.done_after_seconds,
    })
    const found = mismatches('status', summary.status, c.expected.status)
    found.push(...mismatches('summary', summary, c.expected.summary ?? {}))
    assert.deepEqual(found, [])
  },
}
