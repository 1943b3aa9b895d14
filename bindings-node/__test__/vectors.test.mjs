// Runs every hail-spec vector suite whose capability this package exposes. The layout and the
// meaning of `known_failures` are fixed by hail-spec/vectors/README.md.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { vectorsDir } from './helpers.mjs'
import { suites as handlers } from './vector-suites.mjs'

const suiteDirs = fs.existsSync(vectorsDir)
  ? fs
      .readdirSync(vectorsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(vectorsDir, d.name, 'cases.json')))
      .map((d) => d.name)
      .sort()
  : []

for (const dir of suiteDirs) {
  const file = path.join(vectorsDir, dir, 'cases.json')
  const { suite, cases } = JSON.parse(fs.readFileSync(file, 'utf8'))
  const handler = handlers[suite]
  if (!handler) {
    test(`vectors/${dir}`, { skip: `suite "${suite}" has no Node runner yet` }, () => {})
    continue
  }
  for (const c of cases) {
    const name = `vectors/${dir}: ${c.name}`
    const known = c.known_failures?.node
    const run = () => handler(c, path.join(vectorsDir, dir))
    if (known) {
      // A known failure must still fail; passing means the list is stale.
      test(`${name} (known failure: ${known})`, async () => {
        let passed = true
        try {
          await run()
        } catch {
          passed = false
        }
        assert.ok(!passed, `listed as a known failure for node but passes: remove it from known_failures`)
      })
    } else {
      test(name, run)
    }
  }
}

test('vector runner finds the suites folder', () => {
  assert.ok(fs.existsSync(path.join(vectorsDir, 'README.md')))
})
