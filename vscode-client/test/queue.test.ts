import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  count,
  groupQueue,
  parseQueue,
  parseRisk,
  QueueRegion,
  regionDescription,
  regionTooltip,
  spansByState,
  splitReviewers,
  statusText,
  uriKey,
} from '../src/common/queue';

// The shape `foureyes/reviewQueue` sends today (server/foureyes/report_json.py + uri).
function wire(overrides: Record<string, unknown> = {}, review: Record<string, unknown> = {}) {
  return {
    id: 'r1',
    path: 'src/app.py',
    uri: 'file:///repo/src/app.py',
    start_line: 4,
    end_line: 11,
    ai_lines: 8,
    mixed_lines: 0,
    agents: ['claude-code'],
    models: ['claude-opus-4-6'],
    claims: ['c1'],
    replaced: 0,
    recorded_by: ['dana@example.com'],
    recorded_at: '2026-11-27T03:28:44Z',
    review: {
      state: 'unreviewed',
      approvals: 0,
      approvals_required: 1,
      approvers: [],
      reviewers_requested: [],
      ...review,
    },
    ...overrides,
  };
}

function region(partial: Partial<QueueRegion>): QueueRegion {
  const parsed = parseQueue({ regions: [wire()] }).regions[0] as QueueRegion;
  return { ...parsed, ...partial };
}

describe('parseQueue', () => {
  it('reads the server shape', () => {
    const { regions, problems } = parseQueue({ regions: [wire()] });
    assert.deepEqual(problems, []);
    assert.equal(regions.length, 1);
    const r = regions[0] as QueueRegion;
    assert.equal(r.state, 'unreviewed');
    assert.equal(r.startLine, 4);
    assert.equal(r.endLine, 11);
    assert.deepEqual(r.agents, ['claude-code']);
    assert.equal(r.approvalsRequired, 1);
    assert.equal(r.risk, undefined, 'no risk in the JSON: none invented');
    assert.deepEqual(r.suggestedReviewers, []);
  });

  it('survives missing fields and skips unusable regions', () => {
    const { regions, problems } = parseQueue({
      regions: [
        { uri: 'file:///repo/a.py', start_line: 1, end_line: 2 },
        { uri: 'file:///repo/b.py', start_line: 5 },
        'nonsense',
        wire({ id: 'r9' }, { state: 'escalated' }),
      ],
    });
    assert.equal(regions.length, 2);
    const minimal = regions[0] as QueueRegion;
    assert.equal(minimal.path, 'a.py');
    assert.equal(minimal.state, 'unreviewed');
    assert.equal(minimal.approvals, 0);
    assert.equal(minimal.approvalsRequired, 1);
    assert.equal(minimal.aiLines, 2);
    assert.equal((regions[1] as QueueRegion).state, 'unreviewed', 'unknown states need review');
    assert.equal(problems.length, 4, "two skipped, two without a known state");
  });

  it('reads a partially approved region with the approvals that cover part of it', () => {
    const { regions, problems } = parseQueue({
      regions: [
        wire(
          { context_lines: [7, 5, 7, 99, 'x'] },
          {
            state: 'partially-approved',
            approvals: 1,
            approvals_required: 2,
            approvers: ['kim@example.com'],
            partly_approved_by: [
              { email: 'lee@example.com', lines: 3, of: 8 },
              { email: 'bad@example.com', lines: 9, of: 8 },
              { lines: 1, of: 8 },
              'nonsense',
            ],
          },
        ),
      ],
    });
    assert.deepEqual(problems, [], 'a state this client knows');
    const r = regions[0] as QueueRegion;
    assert.equal(r.state, 'partially-approved');
    assert.deepEqual(r.partlyApprovedBy, [{ email: 'lee@example.com', lines: 3, of: 8 }]);
    assert.deepEqual(r.contextLines, [5, 7], 'inside the span, once each, in order');
    assert.equal(regionDescription(r), 'partially approved · 1/2 approvals');
    const tooltip = regionTooltip(r);
    assert.match(tooltip, /Review: partially approved, 1\/2 approvals/);
    assert.match(tooltip, /Approved by kim@example.com/);
    assert.match(tooltip, /Approved in part by lee@example.com \(3 of 8 lines\)/);
    assert.match(tooltip, /2 lines inside not AI \(context the agent's edit kept\)/);
  });

  it('tolerates an older server without the partial fields', () => {
    const r = parseQueue({ regions: [wire()] }).regions[0] as QueueRegion;
    assert.deepEqual(r.partlyApprovedBy, []);
    assert.deepEqual(r.contextLines, []);
    assert.doesNotMatch(regionTooltip(r), /in part|not AI/);
  });

  it('answers without regions', () => {
    assert.deepEqual(parseQueue(null).regions, []);
    assert.equal(parseQueue({}).problems.length, 1);
  });

  it('reads risk as a string or an object, and suggested reviewers where they may appear', () => {
    const { regions } = parseQueue({
      regions: [
        wire({ risk: 'HIGH' }),
        wire({ risk: { level: 'critical', reasons: [{ message: 'touches auth' }, 'eval'] } }),
        wire({ risk: { level: 'bogus' }, suggested_reviewers: ['a@x'] }, { suggested: ['b@x', 'a@x'] }),
      ],
    });
    assert.deepEqual(regions[0]?.risk, { level: 'high', reasons: [] });
    assert.deepEqual(regions[1]?.risk, { level: 'critical', reasons: ['touches auth', 'eval'] });
    assert.equal(regions[2]?.risk, undefined);
    assert.deepEqual(regions[2]?.suggestedReviewers, ['b@x', 'a@x']);
    assert.equal(parseRisk(42), undefined);
  });
});

describe('groupQueue', () => {
  it('orders states by urgency and leaves out empty ones', () => {
    const groups = groupQueue([
      region({ id: 'a', state: 'approved' }),
      region({ id: 'b', state: 'unreviewed', path: 'z.py' }),
      region({ id: 'c', state: 'unreviewed', path: 'a.py' }),
      region({ id: 'd', state: 'changes-requested' }),
    ]);
    assert.deepEqual(
      groups.map((g) => g.label),
      ['Changes requested (1)', 'Unreviewed (2)', 'Approved (1)'],
    );
    const unreviewed = groups[1];
    assert.deepEqual(unreviewed?.regions.map((r) => r.id), ['c', 'b'], 'sorted by path');
    assert.deepEqual(unreviewed?.risks, [], 'no risk known: no risk level in the tree');
  });

  it('puts partially approved regions first, as the server orders the queue for reviewers', () => {
    const groups = groupQueue([
      region({ id: 'a', state: 'approved' }),
      region({ id: 'u', state: 'unreviewed' }),
      region({ id: 'c', state: 'changes-requested' }),
      region({ id: 'r', state: 'review-requested' }),
      region({ id: 'p', state: 'partially-approved' }),
    ]);
    assert.deepEqual(
      groups.map((g) => g.label),
      [
        'Partially approved (1)',
        'Review requested (1)',
        'Changes requested (1)',
        'Unreviewed (1)',
        'Approved (1)',
      ],
    );
  });

  it('groups by risk inside a state, highest first, unknown last', () => {
    const groups = groupQueue([
      region({ id: 'low', risk: { level: 'low', reasons: [] } }),
      region({ id: 'none' }),
      region({ id: 'crit', risk: { level: 'critical', reasons: [] } }),
    ]);
    assert.deepEqual(
      groups[0]?.risks.map((g) => [g.risk, g.regions.map((r) => r.id)]),
      [
        ['critical', ['crit']],
        ['low', ['low']],
        ['unknown', ['none']],
      ],
    );
    assert.equal(groups[0]?.risks[2]?.label, 'Risk not assessed (1)');
  });

  it('describes a region with its state first, its risk last; who wrote it is in the tooltip', () => {
    const r = region({ state: 'review-requested', risk: { level: 'medium', reasons: [] } });
    assert.equal(regionDescription(r), 'review requested · medium risk · 0/1 approvals');
    assert.match(regionTooltip(r), /AI-written by claude-code \(claude-opus-4-6\)/);
  });
});

describe('status bar', () => {
  it('counts pending regions for the file and the workspace', () => {
    const all = [
      region({ state: 'unreviewed' }),
      region({ state: 'approved' }),
      region({ state: 'review-requested', uri: 'file:///repo/other.py' }),
    ];
    const here = all.filter((r) => r.uri === 'file:///repo/src/app.py');
    const status = statusText(count(all), count(here));
    assert.equal(status.text, '$(eye) 1 here · 2 in workspace');
    assert.match(status.tooltip, /This file: 2 AI regions: 1 not reviewed, 1 approved/);
    assert.match(status.tooltip, /Workspace: 3 AI regions/);
    assert.equal(statusText(count([]), undefined).text, '$(eye) 0 to review');
  });

  it('counts a partially approved region as pending, under its own word', () => {
    const counts = count([region({ state: 'partially-approved' }), region({ state: 'approved' })]);
    assert.equal(counts.pending, 1);
    assert.equal(counts.byState['partially-approved'], 1);
    assert.match(statusText(counts, undefined).tooltip, /Workspace: 2 AI regions: 1 partially approved, 1 approved/);
  });
});

describe('gutter spans', () => {
  it('gives 0-based spans per state for one document only', () => {
    const spans = spansByState(
      [
        region({ startLine: 4, endLine: 11 }),
        region({ startLine: 20, endLine: 20, state: 'approved' }),
        region({ startLine: 30, endLine: 32, state: 'partially-approved' }),
        region({ uri: 'file:///repo/other.py' }),
      ],
      (uri) => uriKey(uri) === uriKey('file:///repo/src/app.py'),
    );
    assert.deepEqual(spans.unreviewed, [{ start: 3, end: 10 }]);
    assert.deepEqual(spans.approved, [{ start: 19, end: 19 }]);
    assert.deepEqual(spans['review-requested'], []);
    assert.deepEqual(spans['partially-approved'], [{ start: 29, end: 31 }]);
  });

  it('compares URIs the way VS Code and Python spell them', () => {
    assert.equal(uriKey('file:///c%3A/work/a%20b.py'), uriKey('file:///C:/work/a b.py'));
    assert.equal(uriKey('file:///repo/x.py'), '/repo/x.py');
  });
});

describe('splitReviewers', () => {
  it('splits on commas, semicolons and spaces and drops duplicates', () => {
    assert.deepEqual(splitReviewers(' lee@x.com, kim;lee@x.com  pat '), ['lee@x.com', 'kim', 'pat']);
    assert.deepEqual(splitReviewers(''), []);
  });
});
