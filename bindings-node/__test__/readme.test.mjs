// Every ```js block of this package's README.md and of the repository's README.md runs as an ES
// module and prints what its comments claim.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pkgDir, examplesDir, linkExamples } from './helpers.mjs'

linkExamples()
const snippets = (file) => [...fs.readFileSync(file, 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
const ours = snippets(path.join(pkgDir, 'README.md'))
const root = snippets(path.join(pkgDir, '..', 'README.md'))
const blocks = [...ours, ...root]

test('the READMEs have JavaScript snippets', () => {
  assert.ok(ours.length >= 4)
  assert.ok(root.length >= 1)
})

blocks.forEach((code, i) => {
  const where = i < ours.length ? `bindings-node/README.md snippet ${i + 1}` : `README.md snippet ${i - ours.length + 1}`
  test(`${where} runs and prints what it says`, () => {
    // Run from a file inside the package folder so `hailog` and relative URLs resolve.
    const file = path.join(examplesDir, `.readme-snippet-${i}.mjs`)
    fs.writeFileSync(file, code.replaceAll('../hail-spec/', '../../hail-spec/'))
    try {
      const run = spawnSync(process.execPath, [file], { cwd: examplesDir, encoding: 'utf8' })
      assert.equal(run.status, 0, run.stderr)
      // `console.log(...) // expected` lines: the printed line must equal the comment.
      const claims = [...code.matchAll(/console\.log\(.*\) \/\/ (.*?)(?: -- .*)?$/gm)].map((m) => m[1].trim())
      assert.deepEqual(run.stdout.trim().split('\n').slice(-claims.length), claims)
    } finally {
      fs.rmSync(file, { force: true })
    }
  })
})
