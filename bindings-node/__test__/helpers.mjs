// Shared paths and small utilities for the Node test suite (not a test file itself).
import { fileURLToPath } from 'node:url'
import fs from 'node:fs'
import path from 'node:path'

export const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const repoDir = path.resolve(pkgDir, '..')
export const vectorsDir = path.join(repoDir, 'hail-spec', 'vectors')
export const examplesDir = path.join(repoDir, 'examples', 'node')
export const capturesDir = process.env.HAILOG_CAPTURES ?? path.join(repoDir, '..', 'shared', 'fixtures', 'provider-captures')

/** Makes `import 'hailog'` inside examples/node resolve to this folder, as an install would. */
export function linkExamples() {
  const modules = path.join(examplesDir, 'node_modules')
  const link = path.join(modules, 'hailog')
  fs.mkdirSync(modules, { recursive: true })
  if (!fs.existsSync(link)) fs.symlinkSync(path.relative(modules, pkgDir), link, 'dir')
}
