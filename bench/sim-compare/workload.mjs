// Writes the benchmark workload: the conformance suite's requests that
// iam-simulate can take, cycled to the requested number of lines, one leash
// request (policies inline) per line.
//
// usage: node workload.mjs CONFORMANCE_DIR COUNT OUT.jsonl
// (also writes OUT.jsonl.cases.json: each line's conformance case names)

import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runSimulation } from '@cloud-copilot/iam-simulate'
import { reasonOf, toSimulation, unsupportedFeatures } from './convert.mjs'

const [conformanceDir, countText, outPath] = process.argv.slice(2)
const count = Number(countText)
if (!conformanceDir || !outPath || !Number.isInteger(count) || count <= 0) {
  console.error('usage: node workload.mjs CONFORMANCE_DIR COUNT OUT.jsonl')
  process.exit(2)
}

const kept = []
const excluded = []
// request line -> the conformance cases it comes from, for naming disagreements
const cases = {}
const files = readdirSync(conformanceDir)
  .filter((name) => name.endsWith('.json'))
  .sort()
let total = 0
for (const file of files) {
  const suite = JSON.parse(readFileSync(join(conformanceDir, file), 'utf8'))
  for (const testCase of suite.cases) {
    total += 1
    const request = testCase.request
    const reasons = unsupportedFeatures(request)
    if (reasons.length === 0) {
      // A request iam-simulate refuses (validation) is not decided there,
      // so it cannot be timed or compared.
      const result = await runSimulation(toSimulation(request), {})
      if (reasonOf(result) === 'error') {
        reasons.push(`iam-simulate refuses it: ${result.errors.message}`)
      }
    }
    if (reasons.length > 0) {
      excluded.push({ file, name: testCase.name, reasons })
    } else {
      const line = JSON.stringify(request)
      kept.push(line)
      cases[line] = [...(cases[line] ?? []), `${file}: ${testCase.name}`]
    }
  }
}

const lines = []
for (let index = 0; index < count; index++) {
  lines.push(kept[index % kept.length])
}
writeFileSync(outPath, lines.join('\n') + '\n')
writeFileSync(`${outPath}.cases.json`, JSON.stringify(cases, null, 1))

console.error(
  `workload: ${count} lines from ${kept.length} of ${total} conformance requests (${excluded.length} excluded)`
)
for (const entry of excluded) {
  console.error(`  excluded: ${entry.file}: ${entry.name}: ${entry.reasons.join('; ')}`)
}
