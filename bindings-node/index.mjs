// ESM entry: the same objects as the CommonJS entry, so `instanceof` agrees across both.
import cjs from './index.js'

export const { Client, Session, trackStream, configure, log, flush, close, HailogError, PriceTable, cost, StreamParser, parseUsage, readHail, summarizeHail, canonicalHail, summarize, version } = cjs
export default cjs
