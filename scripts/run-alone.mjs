#!/usr/bin/env node
// Runs every test of the given Jest test files by itself, as `it.only` would: one Jest process per
// test, selected by its full name (-t '^name$'), so that nothing another test did can help or hurt
// it. Lists the tests that fail alone; exits 1 if any does.
//
//   node scripts/run-alone.mjs [--project e2e-sqlite] [--jobs 2] [--sample N] FILE...
//
// --sample N runs N tests of a file, spread evenly over it, instead of all of them (for files of
// generated tests such as the access matrix). The test names are read from a first run of each file.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  return value;
};
const project = option('--project', 'e2e-sqlite');
const jobs = Number(option('--jobs', '2'));
const sample = Number(option('--sample', '0'));
const files = args;
if (files.length === 0 || !(jobs > 0)) {
  console.error('usage: node scripts/run-alone.mjs [--project e2e-sqlite] [--jobs 2] [--sample N] FILE...');
  process.exit(2);
}

const jestBin = path.join(process.cwd(), 'node_modules', 'jest', 'bin', 'jest.js');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'run-alone-'));
let runs = 0;

/** Runs Jest on one file (and one test name, if given); answers its JSON report and its output. */
function jest(file, name) {
  const out = path.join(scratch, `${runs++}.json`);
  const argv = [jestBin, file, '--selectProjects', project, '--json', `--outputFile=${out}`];
  if (name !== undefined) argv.push('-t', `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', () => {
      const report = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : null;
      resolve({ report, output });
    });
  });
}

/** `count` indexes spread evenly over `n` (all of them when count is 0 or at least n). */
const spread = (n, count) => (count <= 0 || count >= n ? [...Array(n).keys()] : [...new Set(Array.from({ length: count }, (_, i) => Math.floor((i * n) / count)))]);

const cases = [];
for (const file of files) {
  const { report, output } = await jest(file);
  const all = (report?.testResults ?? []).flatMap((r) => r.assertionResults);
  const tests = all.filter((a) => a.status !== 'pending');
  if (all.length === 0) {
    console.error(`${file}: no test in a first run of the file\n${output.slice(-2000)}`);
    process.exit(2);
  }
  if (tests.length === 0) {
    console.log(`${file}: its ${all.length} tests are skipped on ${project}`);
    continue;
  }
  const chosen = spread(tests.length, sample);
  console.log(`${file}: ${tests.length} tests; running ${chosen.length} alone`);
  for (const i of chosen) cases.push({ file, name: tests[i].fullName });
}

const failures = [];
async function worker() {
  for (let c = cases.shift(); c; c = cases.shift()) {
    const { report, output } = await jest(c.file, c.name);
    const results = (report?.testResults ?? []).flatMap((r) => r.assertionResults).filter((a) => a.status !== 'pending');
    const ran = results.filter((a) => a.fullName === c.name);
    const ok = ran.length > 0 && ran.every((a) => a.status === 'passed') && report.numFailedTestSuites === 0;
    if (!ok) {
      const why = ran.flatMap((a) => a.failureMessages).join('\n') || output;
      failures.push({ ...c, why });
      console.log(`FAILS ALONE: ${c.file} › ${c.name}\n${why.split('\n').slice(0, 12).join('\n')}\n`);
    }
  }
}
const total = cases.length;
await Promise.all(Array.from({ length: jobs }, worker));
fs.rmSync(scratch, { recursive: true, force: true });
console.log(`${total} tests run alone (${project}): ${total - failures.length} passed, ${failures.length} failed`);
for (const f of failures) console.log(`  ${f.file} › ${f.name}`);
process.exit(failures.length ? 1 : 0);
