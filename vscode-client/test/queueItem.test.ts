// The Four Eyes view's region rows: what the tree item builder makes of a queue entry,
// and which of package.json's menu entries its context value turns on.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { humanDate, parseQueue, QueueRegion, regionItem } from '../src/common/queue';

// One entry as `foureyes/reviewQueue` sends it (server/foureyes/lsp/server.py).
function wire(overrides: Record<string, unknown> = {}, review: Record<string, unknown> = {}) {
  return {
    id: 'r1',
    path: 'src/payments/retry_helpers.py',
    uri: 'file:///repo/src/payments/retry_helpers.py',
    start_line: 7,
    end_line: 16,
    ai_lines: 10,
    mixed_lines: 0,
    agents: ['claude-code'],
    models: ['claude-opus-4-6'],
    recorded_by: ['dana@example.com'],
    recorded_at: '2026-11-24T09:30:00Z',
    review: {
      state: 'review-requested',
      approvals: 1,
      approvals_required: 2,
      approvers: ['lee@example.com'],
      reviewers_requested: ['kim@example.com'],
      ...review,
    },
    risk: { level: 'high', reasons: [{ message: 'runs a command through a shell' }] },
    can_approve: false,
    approval_refusal: 'four eyes: you brought this AI code in, so someone else has to approve it (dana@example.com)',
    ...overrides,
  };
}

function parsed(overrides: Record<string, unknown> = {}, review: Record<string, unknown> = {}): QueueRegion {
  const { regions, problems } = parseQueue({ regions: [wire(overrides, review)] });
  assert.deepEqual(problems, []);
  return regions[0] as QueueRegion;
}

const NOW = new Date('2026-11-27T10:00:00Z');
const OPTIONS = { now: NOW, locale: 'en-US', timeZone: 'UTC' };

// --- package.json's `when` clauses, evaluated as VS Code does for a tree item ---------

interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}
const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { menus: Record<string, MenuEntry[]> };
};

/** `view == X && viewItem =~ /re/`: the only forms the view's item menus use. */
function holds(when: string | undefined, context: Record<string, string>): boolean {
  return (when ?? 'true').split('&&').every((raw) => {
    const clause = raw.trim();
    const equals = /^(\w+) == ([\w.-]+)$/.exec(clause);
    if (equals) {
      return context[equals[1] as string] === equals[2];
    }
    const matches = /^(\w+) =~ \/(.*)\/([a-z]*)$/.exec(clause);
    if (matches) {
      return new RegExp(matches[2] as string, matches[3]).test(context[matches[1] as string] ?? '');
    }
    throw new Error(`a when clause this test cannot read: ${clause}`);
  });
}

/** The item menu entries shown for a row: {inline: [...], menu: [...]} command ids. */
function offered(contextValue: string): { inline: string[]; menu: string[] } {
  const context = { view: 'foureyes.queue', viewItem: contextValue };
  const shown = manifest.contributes.menus['view/item/context']!.filter((entry) => holds(entry.when, context));
  return {
    inline: shown.filter((e) => e.group?.startsWith('inline')).map((e) => e.command),
    menu: shown.filter((e) => !e.group?.startsWith('inline')).map((e) => e.command),
  };
}

describe('region rows in the Four Eyes view', () => {
  it('keep the label short: the file name and lines; state and risk go in the description', () => {
    const item = regionItem(parsed(), OPTIONS);
    assert.equal(item.label, 'retry_helpers.py:7-16');
    assert.equal(item.description, 'review requested · high risk · 1/2 approvals');
    assert.equal(regionItem(parsed({ start_line: 9, end_line: 9 }), OPTIONS).label, 'retry_helpers.py:9');
    // Without a known risk, no risk is invented.
    assert.equal(regionItem(parsed({ risk: undefined }), OPTIONS).description, 'review requested · 1/2 approvals');
  });

  it('put the full text in the tooltip', () => {
    const tooltip = regionItem(parsed(), OPTIONS).tooltip;
    const lines = tooltip.split('\n');
    assert.equal(lines[0], 'src/payments/retry_helpers.py:7-16: AI-written by claude-code (claude-opus-4-6)');
    assert.match(tooltip, /^Review: review requested, 1\/2 approvals$/m);
    assert.match(tooltip, /^Approved by lee@example.com$/m);
    assert.match(tooltip, /^Review requested from kim@example.com$/m);
    assert.match(tooltip, /^Risk: high \(runs a command through a shell\)$/m);
    assert.match(tooltip, /^You cannot approve it: four eyes: you brought this AI code in/m);
  });

  it('offer Approve exactly when the server says the person at the editor may approve', () => {
    const mine = regionItem(parsed(), OPTIONS);
    assert.equal(mine.contextValue, 'region.review-requested');
    assert.ok(!offered(mine.contextValue).inline.includes('foureyes.approveUi'), 'no inline Approve for the recorder');
    assert.ok(!offered(mine.contextValue).menu.includes('foureyes.approveUi'), 'no Approve in the menu either');
    assert.ok(offered(mine.contextValue).menu.includes('foureyes.requestReviewUi'), 'the other actions stay');

    const theirs = regionItem(parsed({ can_approve: true, approval_refusal: null }), OPTIONS);
    assert.equal(theirs.contextValue, 'region.review-requested.can-approve');
    assert.ok(offered(theirs.contextValue).inline.includes('foureyes.approveUi'));
    assert.ok(offered(theirs.contextValue).menu.includes('foureyes.approveUi'));
    assert.match(theirs.tooltip, /^You may approve it$/m);
    assert.doesNotMatch(theirs.tooltip, /cannot approve/);

    // Approved, and a senior who has not approved it yet may still add an approval (as
    // the quick fix offers): in the menu, not as an inline button on a finished row.
    const done = regionItem(parsed({ can_approve: true }, { state: 'approved', approvals: 2 }), OPTIONS);
    assert.equal(done.contextValue, 'region.approved.can-approve');
    assert.ok(!offered(done.contextValue).inline.includes('foureyes.approveUi'));
    assert.ok(offered(done.contextValue).menu.includes('foureyes.approveUi'));
    // Unreviewed rows still get the inline Request Senior Review.
    const fresh = regionItem(parsed({}, { state: 'unreviewed', approvals: 0, approvers: [] }), OPTIONS);
    assert.deepEqual(offered(fresh.contextValue).inline, ['foureyes.requestReviewUi']);
  });

  it('reads can_approve defensively: an older server without it leaves the decision to the server', () => {
    const older = parsed({ can_approve: undefined, approval_refusal: undefined });
    assert.equal(older.canApprove, undefined);
    assert.equal(older.approvalRefusal, undefined);
    const item = regionItem(older, OPTIONS);
    assert.ok(offered(item.contextValue).menu.includes('foureyes.approveUi'), 'offered, as before');
    assert.doesNotMatch(item.tooltip, /approve it/, 'no claim the server did not make');
    assert.equal(parsed({ can_approve: 'yes' }).canApprove, undefined, 'not a boolean: as if absent');
    assert.equal(parsed().canApprove, false);
    assert.equal(parsed().approvalRefusal?.startsWith('four eyes'), true);
    assert.equal(parsed({ can_approve: true }).approvalRefusal, undefined, 'a refusal only with a no');
  });
});

describe('dates in tooltips', () => {
  it('say how long ago and the date in the locale, not an ISO timestamp', () => {
    const item = regionItem(parsed(), OPTIONS);
    assert.match(item.tooltip, /^Recorded 3 days ago \(Nov 24, 2026, 9:30\s?AM\)$/m);
    assert.doesNotMatch(item.tooltip, /2026-11-24T/);
  });

  it('format relative times from seconds to years', () => {
    const at = (iso: string) => humanDate(iso, OPTIONS);
    assert.match(at('2026-11-27T09:59:30Z'), /^30 seconds ago \(/);
    assert.match(at('2026-11-27T09:15:00Z'), /^45 minutes ago \(/);
    assert.match(at('2026-11-27T07:00:00Z'), /^3 hours ago \(/);
    assert.match(at('2026-11-26T09:00:00Z'), /^yesterday \(/);
    assert.match(at('2026-11-06T10:00:00Z'), /^3 weeks ago \(/);
    assert.match(at('2026-08-27T10:00:00Z'), /^3 months ago \(/);
    assert.match(at('2024-11-27T10:00:00Z'), /^2 years ago \(/);
    assert.equal(humanDate('not a date', OPTIONS), 'not a date', 'unreadable: shown as it came');
    assert.match(humanDate('2026-11-24T09:30:00Z', { ...OPTIONS, locale: 'de-DE' }), /^vor 3 Tagen \(24\.11\.2026, 09:30\)$/);
  });
});
