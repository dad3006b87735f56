import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../src/compare/compare.js';
import { formatJUnit, formatJUnitError } from '../src/compare/junit.js';
import { summarizeResults } from '../src/compare/summary.js';
import { DEFAULT_MAX_DROP, evaluateCheck } from '../src/compare/thresholds.js';
import { correctness, flip, syntheticResults } from './fixtures/stats/synthetic.js';
import { ROOT, tempDir } from './helpers.js';

const XSD = path.join(ROOT, 'test/fixtures/stats/junit.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
if (!hasXmllint)
  console.warn('skipping the JUnit schema validation tests: xmllint is missing (apt-get install libxml2-utils; .ci/run installs it)');

/** xmllint's verdict on a document against the committed schema; null when xmllint is not installed. */
function validate(xml: string): { ok: boolean; message: string } | null {
  if (!hasXmllint) return null;
  const file = path.join(tempDir('junit-'), 'report.xml');
  writeFileSync(file, xml);
  const result = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: result.status === 0, message: result.stderr };
}

function outcome(maxDrop = DEFAULT_MAX_DROP) {
  const base = correctness(600, 400);
  // A prompt set name with every character XML must escape, as a file name could carry.
  const odd = `odd & "quoted" <set> 'x'\u0001`;
  const before = summarizeResults(syntheticResults({ sets: { basic: base, [odd]: base } }), 'baseline.json');
  const after = summarizeResults(
    syntheticResults({ sets: { basic: flip(base, 30, 5), [odd]: base }, runId: '20250102-000000-next' }),
    'results.json',
  );
  return evaluateCheck(compareRuns(before, after), { maxDrop, requireSignificance: true });
}

/** Attribute values of each opening tag of an element, by a deliberately simple scan. */
function tags(xml: string, name: string): Record<string, string>[] {
  return [...xml.matchAll(new RegExp(`<${name}((?:\\s+[\\w.-]+="[^"]*")*)\\s*/?>`, 'g'))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w.-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}

describe('JUnit XML', () => {
  it('has one test case per prompt set and metric, with the attributes CI readers require', () => {
    const xml = formatJUnit(outcome(), { seconds: 1.5, now: new Date('2025-03-04T05:06:07Z') });
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    const [root] = tags(xml, 'testsuites');
    expect(root).toEqual({ name: 'clipbench check', tests: '6', failures: '3', errors: '0', time: '1.500' });
    const suites = tags(xml, 'testsuite');
    expect(suites).toHaveLength(2);
    for (const suite of suites) {
      for (const key of ['name', 'tests', 'failures', 'errors', 'skipped', 'time', 'timestamp', 'hostname'])
        expect(suite).toHaveProperty(key);
      expect(suite.timestamp).toBe('2025-03-04T05:06:07');
    }
    expect(suites[0]).toMatchObject({ name: 'clipbench.basic', tests: '3', failures: '3', skipped: '0' });
    const cases = tags(xml, 'testcase');
    expect(cases).toHaveLength(6);
    for (const c of cases) expect(Object.keys(c).sort()).toEqual(['classname', 'name', 'time']);
    expect(cases.map((c) => c.name)).toEqual(['acc1', 'acc5', 'mean_per_class_recall', 'acc1', 'acc5', 'mean_per_class_recall']);
    const failures = tags(xml, 'failure');
    expect(failures).toHaveLength(3);
    expect(failures.every((f) => f.type === 'regression')).toBe(true);
    expect(failures[0]!.message).toMatch(/^acc1 fell 4\.17 pts, more than the 0 allowed \(McNemar p = /);
  });

  it('escapes names and drops characters XML cannot hold', () => {
    const xml = formatJUnit(outcome(), { seconds: 0 });
    expect(xml).toContain('classname="clipbench.odd &amp; &quot;quoted&quot; &lt;set&gt; &apos;x&apos;\uFFFD"');
    expect(xml).not.toContain('\u0001');
  });

  it.skipIf(!hasXmllint)('validates against the committed schema (xmllint)', () => {
    const verdict = validate(formatJUnit(outcome(), { seconds: 2 }))!;
    expect(verdict.ok, verdict.message).toBe(true);
    expect(verdict.message).toContain('validates');
    const off = formatJUnit(outcome({ acc1: 0, acc5: null, mean_per_class_recall: null }), { seconds: 0 });
    expect(off).toContain('<skipped message="not checked (max drop off)"/>');
    expect(validate(off)!.ok).toBe(true);
    expect(validate(formatJUnitError('cannot compare: the runs scored different images\n  only in the baseline: 2'))!.ok).toBe(true);
  });

  it.skipIf(!hasXmllint)('the schema is strict enough to reject a test case without classname', () => {
    const xml = formatJUnit(outcome(), { seconds: 0 }).replace(/ classname="clipbench\.basic"/, '');
    const verdict = validate(xml)!;
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toContain("attribute 'classname' is required");
  });

  // CI installs libxml2-utils (.ci/run), so there a missing xmllint is a broken setup, not a skip.
  it.runIf(!hasXmllint && Boolean(process.env.CI))('CI has xmllint to validate the JUnit XML (apt-get install libxml2-utils)', () => {
    expect.fail('xmllint is missing on CI, so the JUnit XML would go unvalidated: apt-get install libxml2-utils (.ci/run installs it)');
  });
});
