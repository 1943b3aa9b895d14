// Price a provider response exactly: parse its usage, then cost it with the built-in table.
import { parseUsage, cost, PriceTable } from 'hailog'

const response = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-2024-08-06',
  choices: [],
  usage: { prompt_tokens: 1200, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 1000 } },
}

const usage = parseUsage(response)
// OpenAI counts cached tokens inside prompt_tokens; hailog's buckets are exclusive.
console.log(`uncached input ${usage.input}, cache read ${usage.cacheRead}, output ${usage.output}`)

const price = cost(usage.model ?? 'gpt-4o', usage)
console.log(`${price.total ?? 'unpriced'} USD (${price.provenance}, table ${price.tableVersion})`)

const table = PriceTable.builtin()
console.log(`same with an explicit table: ${table.cost('gpt-4o', usage).total}`)
