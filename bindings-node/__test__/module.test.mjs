// The package loads both ways, both ways give the same objects, and index.d.ts declares
// exactly what index.js exports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import * as esm from '../index.mjs'

const require = createRequire(import.meta.url)
const here = path.dirname(fileURLToPath(import.meta.url))
const cjs = require('../index.js')

test('ESM named exports are the CommonJS exports', () => {
  const named = Object.keys(esm).filter((k) => k !== 'default').sort()
  assert.deepEqual(named, Object.keys(cjs).sort())
  for (const name of named) assert.equal(esm[name], cjs[name], name)
  assert.equal(esm.default, cjs)
})

test('the package exports map resolves to both entries', async () => {
  const pkg = require('../package.json')
  assert.equal(require.resolve(path.join(here, '..', pkg.exports['.'].require)), require.resolve('../index.js'))
  const viaImport = await import(path.join(here, '..', pkg.exports['.'].import))
  assert.equal(viaImport.HailogError, cjs.HailogError)
})

test('index.d.ts declares every runtime export and nothing else', () => {
  const ts = require('typescript')
  const file = path.join(here, '..', 'index.d.ts')
  const program = ts.createProgram([file], { noEmit: true })
  const checker = program.getTypeChecker()
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file))
  const declared = checker
    .getExportsOfModule(symbol)
    .filter((s) => s.flags & (ts.SymbolFlags.Value))
    .map((s) => s.getName())
    .sort()
  assert.deepEqual(declared, Object.keys(cjs).sort())
})

test('version matches package.json', () => {
  assert.equal(cjs.version(), require('../package.json').version)
})
