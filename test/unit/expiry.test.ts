import * as assert from 'node:assert/strict';
import { describeExpiry, dueWarnings, expiryState, nextLabelChange, nextWarningDelay, warningKey } from '../../src/core/expiry';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('expiry labels', () => {
  for (const [left, label] of [
    [2 * DAY + 4 * HOUR + 30 * MIN, 'expires in 2 d 4 h'],
    [3 * DAY, 'expires in 3 d'],
    [3 * DAY - 1, 'expires in 2 d 23 h'],
    [35 * MIN + 59_000, 'expires in 35 min'],
    [5 * HOUR + 10 * MIN, 'expires in 5 h 10 min'],
    [10 * HOUR + 10 * MIN, 'expires in 10 h'],
    [30_000, 'expires in < 1 min'],
    [-3 * HOUR - 5 * MIN, 'expired 3 h 5 min ago'],
    [-2 * DAY, 'expired 2 d ago'],
    [0, 'expired < 1 min ago'],
  ] as const) {
    it(`${left} ms left reads "${label}"`, () => assert.equal(describeExpiry(at(left), NOW), label));
  }

  it('reads natively in another display language, in its largest whole unit', () => {
    assert.equal(describeExpiry(at(2 * DAY + 4 * HOUR), NOW, 'de'), 'in 2 Tagen');
    assert.equal(describeExpiry(at(-3 * HOUR - 5 * MIN), NOW, 'de'), 'vor 3 Stunden');
    assert.equal(describeExpiry(at(35 * MIN + 59_000), NOW, 'fr'), 'dans 35 minutes');
    assert.equal(describeExpiry(at(30_000), NOW, 'ja'), '1 分後');
    assert.equal(describeExpiry(at(2 * DAY + 4 * HOUR), NOW, 'en-GB'), 'expires in 2 d 4 h');
    // A language tag the runtime cannot read falls back to the English label.
    assert.equal(describeExpiry(at(2 * DAY + 4 * HOUR), NOW, 'not a tag!'), 'expires in 2 d 4 h');
  });

  it('classifies expired, expiring within the window, and active', () => {
    assert.equal(expiryState(at(-1), NOW), 'expired');
    assert.equal(expiryState(at(DAY), NOW), 'expiring');
    assert.equal(expiryState(at(DAY + 1), NOW), 'active');
    assert.equal(expiryState(at(2 * HOUR), NOW, HOUR), 'active');
  });

  it('schedules the next redraw for when a label changes, never sooner than a second', () => {
    assert.equal(nextLabelChange([], NOW), undefined);
    // 35 min 10 s left: the label changes to "34 min" in 10 s.
    assert.equal(nextLabelChange([at(35 * MIN + 10_000)], NOW), 10_050);
    // 2 d 4 h 30 min left: the label changes in 30 min.
    assert.equal(nextLabelChange([at(2 * DAY + 4 * HOUR + 30 * MIN)], NOW), 30 * MIN + 50);
    assert.equal(nextLabelChange([at(2 * DAY + 4 * HOUR + 30 * MIN), at(35 * MIN + 10_000)], NOW), 10_050);
    assert.ok(nextLabelChange([at(-10 * MIN - 5000)], NOW)! >= 1000);
  });
});

describe('expiry warnings', () => {
  const records = [
    { id: 'soon', expiresAt: at(3 * HOUR) },
    { id: 'sooner', expiresAt: at(HOUR) },
    { id: 'later', expiresAt: at(2 * DAY) },
    { id: 'dead', expiresAt: at(-HOUR) },
  ];

  it('warns about live uploads inside the window, soonest first, once', () => {
    assert.deepEqual(dueWarnings(records, new Set(), NOW, 12 * HOUR).map((r) => r.id), ['sooner', 'soon']);
    const warned = new Set([warningKey(records[1])]);
    assert.deepEqual(dueWarnings(records, warned, NOW, 12 * HOUR).map((r) => r.id), ['soon']);
  });

  it('warns again after a re-upload gave a new expiry', () => {
    const warned = new Set([warningKey(records[0])]);
    assert.deepEqual(dueWarnings([{ id: 'soon', expiresAt: at(2 * HOUR) }], warned, NOW, 12 * HOUR).map((r) => r.id), ['soon']);
  });

  it('waits exactly until the next upload enters the window', () => {
    assert.equal(nextWarningDelay(records, new Set(), NOW, 12 * HOUR), 36 * HOUR);
    assert.equal(nextWarningDelay([records[3]], new Set(), NOW, 12 * HOUR), undefined);
  });
});
