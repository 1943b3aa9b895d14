// Every program in examples/node runs to completion against the built package.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { examplesDir, linkExamples } from './helpers.mjs'

linkExamples()
const programs = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.mjs'))

test('there are examples to run', () => assert.ok(programs.length > 0))

for (const program of programs) {
  test(`examples/node/${program} runs`, () => {
    const run = spawnSync(process.execPath, [path.join(examplesDir, program)], {
      cwd: examplesDir,
      encoding: 'utf8',
      timeout: 60_000,
    })
    assert.equal(run.status, 0, `exit ${run.status}\n${run.stderr}`)
  })
}
