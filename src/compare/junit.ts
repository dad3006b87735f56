import os from 'node:os';
import { percent, signedPoints as points } from '../util/format.js';
import { headerLines, noteLines } from './format.js';
import type { CheckedRow, CheckOutcome } from './thresholds.js';
import { element } from './xml.js';

/**
 * JUnit XML as CI systems read it (Jenkins' junit-10.xsd, the Ant schema, GitLab, GitHub test
 * reporters): one <testsuite> per prompt set, one <testcase> per metric, a <failure> where the
 * check fails, <skipped> where a metric's check is off. Validated in tests against
 * test/fixtures/stats/junit.xsd, which requires the attributes the stricter readers need.
 */
export function formatJUnit(outcome: CheckOutcome, options: { seconds: number; now?: Date } = { seconds: 0 }): string {
  return formatJUnitAll([outcome], options);
}

/** Several checks (one per model of a run) in one report: their suites side by side. */
export function formatJUnitAll(outcomes: readonly CheckOutcome[], options: { seconds: number; now?: Date } = { seconds: 0 }): string {
  const now = options.now ?? new Date();
  let index = 0;
  const suites = outcomes.flatMap((outcome) =>
    [...new Set(outcome.rows.map((r) => r.promptSet))].map((set) => testsuite(outcome, set, index++, now)),
  );
  const rows = outcomes.flatMap((o) => o.rows);
  const failures = rows.filter((r) => r.status === 'fail').length;
  const root = element(
    'testsuites',
    { name: 'clipbench check', tests: rows.length, failures, errors: 0, time: seconds(options.seconds) },
    suites,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}

/** A comparison that could not be made is one errored test case, so CI shows why instead of an empty report. */
export function formatJUnitError(message: string, options: { seconds: number; now?: Date } = { seconds: 0 }): string {
  const firstLine = message.split('\n')[0] ?? message;
  const testcase = element('testcase', { name: 'comparable', classname: 'clipbench.comparison', time: '0' }, [
    element('error', { message: firstLine, type: 'not-comparable' }, message),
  ]);
  const suite = element(
    'testsuite',
    suiteAttributes('clipbench.comparison', 0, { tests: 1, failures: 0, errors: 1, skipped: 0 }, options.now ?? new Date()),
    [element('properties', {}, []), testcase, element('system-out', {}, ''), element('system-err', {}, message)],
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element('testsuites', { name: 'clipbench check', tests: 1, failures: 0, errors: 1, time: seconds(options.seconds) }, [suite])}\n`;
}

function testsuite(outcome: CheckOutcome, set: string, index: number, now: Date): string {
  const rows = outcome.rows.filter((r) => r.promptSet === set);
  const counts = {
    tests: rows.length,
    failures: rows.filter((r) => r.status === 'fail').length,
    errors: 0,
    skipped: rows.filter((r) => r.status === 'off').length,
  };
  const c = outcome.comparison;
  const properties = element('properties', {}, [
    element('property', { name: 'baseline', value: c.baseline.origin.file }),
    element('property', { name: 'baseline.run', value: c.baseline.origin.runId }),
    element('property', { name: 'current', value: c.current.origin.file }),
    element('property', { name: 'current.run', value: c.current.origin.runId }),
    element('property', { name: 'paired.images', value: c.pairedItems }),
    element('property', { name: 'require.significance', value: String(outcome.settings.requireSignificance) }),
  ]);
  return element('testsuite', suiteAttributes(`clipbench.${set}`, index, counts, now), [
    properties,
    ...rows.map((r) => testcase(r)),
    element('system-out', {}, [...headerLines(outcome), ...noteLines(outcome)].join('\n')),
    element('system-err', {}, ''),
  ]);
}

function suiteAttributes(
  name: string,
  index: number,
  counts: { tests: number; failures: number; errors: number; skipped: number },
  now: Date,
) {
  // The Ant schema wants a timezone-less xs:dateTime, a hostname, an id and a package.
  return {
    name,
    ...counts,
    time: '0',
    timestamp: now.toISOString().slice(0, 19),
    hostname: os.hostname() || 'localhost',
    id: index,
    package: 'clipbench',
  };
}

function testcase(row: CheckedRow): string {
  const attributes = { name: row.metric, classname: `clipbench.${row.promptSet}`, time: '0' };
  if (row.status === 'off') return element('testcase', attributes, [element('skipped', { message: 'not checked (max drop off)' })]);
  if (row.status === 'pass') return element('testcase', attributes);
  return element('testcase', attributes, [element('failure', { message: `${row.metric} ${row.reason}`, type: 'regression' }, detail(row))]);
}

function detail(row: CheckedRow): string {
  return [
    `${row.promptSet} ${row.metric}: baseline ${percent(row.baseline)}, current ${percent(row.current)}, change ${points(row.delta)} pts`,
    `95% CI of the change: [${points(row.interval.lo)}, ${points(row.interval.hi)}] pts (paired bootstrap)`,
    ...(row.pValue === null ? [] : [`McNemar exact p = ${row.pValue} (${row.lost} images lost, ${row.gained} gained)`]),
    `max drop: ${row.maxDrop ?? 'off'} pts; ${row.reason}`,
  ].join('\n');
}

function seconds(s: number): string {
  return Math.max(0, s).toFixed(3);
}
