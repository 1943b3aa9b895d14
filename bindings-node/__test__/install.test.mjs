// `npm install <path to bindings-node>` from another project gives a package that both
// `require` and `import` load. Scripts are skipped here because the addon is already built;
// the `prepare` build itself is what `npm install` in this folder runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

test('installs by path into another project and loads both ways', () => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'hailog-consumer-'))
  try {
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', pkgDir], {
      cwd: project,
      stdio: 'pipe',
      env: { ...process.env, npm_config_loglevel: 'error' },
    })
    const cjs = execFileSync(
      process.execPath,
      ['-e', "const h = require('hailog'); console.log(typeof h.version(), h.HailogError.name)"],
      { cwd: project, encoding: 'utf8' },
    )
    assert.equal(cjs.trim(), 'string HailogError')
    const esm = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "import { version } from 'hailog'; import h from 'hailog'; console.log(version() === h.version())"],
      { cwd: project, encoding: 'utf8' },
    )
    assert.equal(esm.trim(), 'true')
  } finally {
    fs.rmSync(project, { recursive: true, force: true })
  }
})
