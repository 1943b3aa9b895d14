// Type-level checks of index.d.ts, run by `tsc --noEmit` (never executed).
import { HailogError, version, type ErrorCode } from 'hailog'

const v: string = version()
void v

function handle(err: unknown): ErrorCode | undefined {
  if (err instanceof HailogError) {
    const code: ErrorCode = err.code
    const message: string = err.message
    void message
    return code
  }
  return undefined
}
void handle

// @ts-expect-error: codes are a closed set
const bad: ErrorCode = 'not_a_code'
void bad
