// CI: the README promises that a clone without ../shared/fixtures skips the fixture tests, saying so
// in their names, instead of failing. CI has the fixtures, so the main test run cannot show it: this
// runs every test file that uses describeWithFixtures with SKYBEAT_FIXTURES naming a folder that
// does not exist, and fails unless each file was collected and its fixture tests reported skipped
// by name, with nothing failed (a fixture read while the tests are collected fails the whole file).
// Plain JavaScript: run with node from the repository, after npm ci.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const source = (file) => fs.readFileSync(file, 'utf8');
const testFiles = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
function fail(message) {
  console.error(`fixtures-absent: ${message}`);
  process.exit(1);
}

// The marker the skipped names carry, from the helper that adds it.
const marker = /FIXTURES_ABSENT = '([^']+)'/.exec(source('tests/helpers/shared.ts'))?.[1];
if (!marker) fail('tests/helpers/shared.ts no longer defines FIXTURES_ABSENT');
const files = testFiles('tests').filter((f) => /\bdescribeWithFixtures\(/.test(source(f))).sort();
if (files.length === 0) fail('no test file uses describeWithFixtures');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-fixtures-absent-'));
const report = path.join(work, 'report.json');
const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=json', `--outputFile=${report}`, ...files], {
  env: { ...process.env, SKYBEAT_FIXTURES: path.join(work, 'no-fixtures-here') },
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (!fs.existsSync(report)) fail(`vitest wrote no report (exit ${run.status})`);
const { testResults } = JSON.parse(source(report));

const problems = [];
let skipped = 0;
for (const file of files) {
  const result = testResults.find((r) => path.relative(process.cwd(), r.name) === file);
  if (!result) {
    problems.push(`${file}: not in vitest's report`);
    continue;
  }
  if (result.status === 'failed' && result.assertionResults.length === 0)
    problems.push(`${file}: failed while its tests were collected: ${result.message.split('\n')[0]}`);
  for (const t of result.assertionResults) {
    const name = [...t.ancestorTitles, t.title].join(' > ');
    const needsFixtures = t.ancestorTitles.some((title) => title.endsWith(marker));
    if (t.status === 'failed') problems.push(`${file}: ${name}: failed`);
    else if (needsFixtures && t.status !== 'skipped' && t.status !== 'pending') problems.push(`${file}: ${name}: ${t.status}, not skipped`);
    else if (needsFixtures) skipped += 1;
  }
  if (!result.assertionResults.some((t) => t.ancestorTitles.some((title) => title.endsWith(marker))))
    problems.push(`${file}: no test reported skipped with "${marker}" in its name`);
}
fs.rmSync(work, { recursive: true, force: true });
if (problems.length) fail(`without the fixtures folder:\n  ${problems.join('\n  ')}`);
console.log(`fixtures-absent: ${files.length} files, ${skipped} fixture tests skipped by name, none failed`);
