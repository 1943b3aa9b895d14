// Every failure is a HailogError with a stable `code`; branch on the code, not on the message.
import { HailogError, version } from 'hailog'

console.log(`hailog ${version()}`)

/** @param {unknown} err */
export function describe(err) {
  if (err instanceof HailogError) return `${err.code}: ${err.message}`
  throw err
}

console.log(describe(new HailogError('example failure', 'invalid_input')))
