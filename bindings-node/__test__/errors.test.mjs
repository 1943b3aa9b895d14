// Failures cross the boundary as HailogError with a stable code; a Rust panic never kills Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { HailogError } from '../index.mjs'

const require = createRequire(import.meta.url)
const { native, guarded } = require('../index.js')._native

test('a core error keeps its code and cause chain', () => {
  assert.throws(guarded(native.__debugError), (err) => {
    assert.ok(err instanceof HailogError)
    assert.ok(err instanceof Error)
    assert.equal(err.name, 'HailogError')
    assert.equal(err.code, 'storage')
    assert.match(err.message, /\/var\/lib\/bot\/ledger\.db: disk is read-only/)
    return true
  })
})

test('a wrong argument type is invalid_input', () => {
  assert.throws(
    () => guarded(native.__debugPanic)(42),
    (err) => err instanceof HailogError && err.code === 'invalid_input',
  )
})

test('a panic on the JS thread becomes an internal HailogError', () => {
  assert.throws(
    () => guarded(native.__debugPanic)('boom on the main thread'),
    (err) =>
      err instanceof HailogError && err.code === 'internal' && /boom on the main thread/.test(err.message),
  )
  // The process is still usable afterwards.
  assert.equal(typeof native.version(), 'string')
})

test('a panic on a pool thread rejects the promise', async () => {
  await assert.rejects(guarded(native.__debugPanicAsync)('boom in the pool'), (err) => {
    assert.ok(err instanceof HailogError)
    assert.equal(err.code, 'internal')
    assert.match(err.message, /boom in the pool/)
    return true
  })
})

test('a child process survives panics and exits normally', () => {
  const script = `
    const { native, guarded } = require(${JSON.stringify(require.resolve('../index.js'))})._native
    let caught = 0
    for (let i = 0; i < 3; i++) { try { guarded(native.__debugPanic)('again ' + i) } catch (e) { caught++ } }
    guarded(native.__debugPanicAsync)('late').catch(() => { caught++; console.log('caught=' + caught) })
  `
  const child = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, RUST_BACKTRACE: '0' },
  })
  assert.equal(child.status, 0, child.stderr)
  assert.equal(child.signal, null)
  assert.match(child.stdout, /caught=4/)
})
