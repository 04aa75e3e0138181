// Times @cloud-copilot/iam-simulate's runSimulation on a JSONL file of leash
// requests (one request, policies inline, per line), and optionally counts
// how many of its decisions agree with leash's output for the same lines.
//
// usage: node driver.mjs WORKLOAD.jsonl [--leash-output LEASH.jsonl] [--warmup N] [--json]
//
// Timing excludes process start and module load. After a warm-up of N
// requests (default 2000; lets V8 optimize and iam-data load the service
// files it reads lazily), the loop over every line is timed twice over:
// `runSimulation` alone (the headline figure; the most favourable one for
// iam-simulate) and the whole loop including JSON.parse of the line and the
// conversion to a Simulation.

import { existsSync, readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'
import { reasonOf, toSimulation } from './convert.mjs'

function parseArguments(argv) {
  const options = { workload: undefined, leashOutput: undefined, warmup: 2000, json: false }
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]
    if (argument === '--leash-output') {
      options.leashOutput = argv[++index]
    } else if (argument === '--warmup') {
      options.warmup = Number(argv[++index])
    } else if (argument === '--json') {
      options.json = true
    } else if (options.workload === undefined) {
      options.workload = argument
    } else {
      throw new Error(`unexpected argument \`${argument}\``)
    }
  }
  if (options.workload === undefined || !Number.isInteger(options.warmup) || options.warmup < 0) {
    throw new Error('usage: node driver.mjs WORKLOAD.jsonl [--leash-output LEASH.jsonl] [--warmup N] [--json]')
  }
  return options
}

function ignoredContextKeys(result) {
  if (result.resultType === 'single') {
    return result.result.ignoredContextKeys ?? []
  }
  if (result.resultType === 'wildcard') {
    return result.results.flatMap((entry) => entry.ignoredContextKeys ?? [])
  }
  return []
}

function nonEmptyLines(text) {
  return text.split('\n').filter((line) => line.trim() !== '')
}

const options = parseArguments(process.argv.slice(2))
const lines = nonEmptyLines(readFileSync(options.workload, 'utf8'))

for (let index = 0; index < options.warmup; index++) {
  await runSimulation(toSimulation(JSON.parse(lines[index % lines.length])), {})
}

const reasons = new Array(lines.length)
// Context keys iam-simulate dropped because the Service Authorization
// Reference does not list them for the action: the main source of
// disagreement on this workload (its requests reuse a few actions with
// arbitrary keys), so each disagreement says whether it had any.
const ignoredKeys = new Map()
let simulateNanoseconds = 0n
const loopStart = process.hrtime.bigint()
for (let index = 0; index < lines.length; index++) {
  const simulation = toSimulation(JSON.parse(lines[index]))
  const start = process.hrtime.bigint()
  const result = await runSimulation(simulation, {})
  simulateNanoseconds += process.hrtime.bigint() - start
  reasons[index] = reasonOf(result)
  const ignored = ignoredContextKeys(result)
  if (ignored.length > 0) {
    ignoredKeys.set(index, ignored)
  }
}
const loopNanoseconds = process.hrtime.bigint() - loopStart

const simulateSeconds = Number(simulateNanoseconds) / 1e9
const loopSeconds = Number(loopNanoseconds) / 1e9
const report = {
  engine: '@cloud-copilot/iam-simulate',
  requests: lines.length,
  warmup: options.warmup,
  errors: reasons.filter((reason) => reason === 'error').length,
  run_simulation_seconds: simulateSeconds,
  run_simulation_decisions_per_second: lines.length / simulateSeconds,
  run_simulation_microseconds_per_decision: (simulateSeconds * 1e6) / lines.length,
  loop_seconds: loopSeconds,
  loop_decisions_per_second: lines.length / loopSeconds
}

if (options.leashOutput !== undefined) {
  const leashLines = nonEmptyLines(readFileSync(options.leashOutput, 'utf8'))
  if (leashLines.length !== lines.length) {
    throw new Error(`leash output has ${leashLines.length} lines, workload has ${lines.length}`)
  }
  // Agreement is counted per distinct request (the workload cycles the same
  // requests), and per line.
  const distinct = new Map()
  let agreeingLines = 0
  for (let index = 0; index < lines.length; index++) {
    const leash = JSON.parse(leashLines[index])
    const leashReason = leash.reason ?? 'error'
    const agrees = leashReason === reasons[index]
    if (agrees) {
      agreeingLines += 1
    }
    if (!distinct.has(lines[index])) {
      distinct.set(lines[index], {
        agrees,
        leash: leashReason,
        iamSimulate: reasons[index],
        ignored: ignoredKeys.get(index) ?? []
      })
    }
  }
  const disagreements = [...distinct.entries()].filter(([, entry]) => !entry.agrees)
  const casesPath = `${options.workload}.cases.json`
  const cases = existsSync(casesPath) ? JSON.parse(readFileSync(casesPath, 'utf8')) : {}
  report.agreement = {
    lines_agreeing: agreeingLines,
    lines: lines.length,
    distinct_requests: distinct.size,
    distinct_agreeing: distinct.size - disagreements.length,
    rate: agreeingLines / lines.length,
    distinct_disagreeing_with_ignored_keys: disagreements.filter(([, entry]) => entry.ignored.length > 0)
      .length,
    disagreements: disagreements.map(([line, entry]) => {
      const request = JSON.parse(line)
      return {
        cases: cases[line] ?? [],
        principal: request.principal,
        action: request.action,
        resource: request.resource,
        leash: entry.leash,
        iam_simulate: entry.iamSimulate,
        ignored_context_keys: entry.ignored
      }
    })
  }
}

if (options.json) {
  console.log(JSON.stringify(report, null, 2))
} else {
  console.log(`iam-simulate: ${report.requests} requests, ${report.errors} errors`)
  console.log(
    `iam-simulate: runSimulation ${simulateSeconds.toFixed(3)} s, ` +
      `${report.run_simulation_decisions_per_second.toFixed(0)} decisions/s, ` +
      `${report.run_simulation_microseconds_per_decision.toFixed(1)} µs/decision`
  )
  console.log(
    `iam-simulate: whole loop (with JSON.parse and conversion) ${loopSeconds.toFixed(3)} s, ` +
      `${report.loop_decisions_per_second.toFixed(0)} decisions/s`
  )
  if (report.agreement) {
    const agreement = report.agreement
    console.log(
      `agreement with leash: ${agreement.lines_agreeing}/${agreement.lines} lines ` +
        `(${(agreement.rate * 100).toFixed(2)}%), ` +
        `${agreement.distinct_agreeing}/${agreement.distinct_requests} distinct requests`
    )
    for (const entry of agreement.disagreements) {
      console.log(
        `  differs: ${entry.action} by ${entry.principal} on ${entry.resource}: ` +
          `leash ${entry.leash}, iam-simulate ${entry.iam_simulate} (${entry.cases.join('; ')})` +
          (entry.ignored_context_keys.length > 0
            ? `; iam-simulate ignored ${entry.ignored_context_keys.join(', ')}`
            : '')
      )
    }
  }
}
