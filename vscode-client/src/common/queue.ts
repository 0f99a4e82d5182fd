// The review queue: parse the server's `foureyes/reviewQueue` answer defensively,
// group it for the tree view, and count it for the status bar. Pure: no vscode import,
// so the unit tests run it in plain Node.

export type ReviewState =
  | 'unreviewed'
  | 'review-requested'
  | 'partially-approved'
  | 'changes-requested'
  | 'approved';
export type RiskLevel = 'critical' | 'high' | 'medium' | 'low';
export type RiskKey = RiskLevel | 'unknown';

/**
 * Order of the state groups in the view, the server's queue order for reviewers: most
 * actionable first (a region one approval short of done before one nobody asked about).
 */
export const STATES: readonly ReviewState[] = [
  'partially-approved',
  'review-requested',
  'changes-requested',
  'unreviewed',
  'approved',
];
export const RISKS: readonly RiskKey[] = ['critical', 'high', 'medium', 'low', 'unknown'];

export const STATE_LABELS: Record<ReviewState, string> = {
  unreviewed: 'Unreviewed',
  'review-requested': 'Review requested',
  'partially-approved': 'Partially approved',
  'changes-requested': 'Changes requested',
  approved: 'Approved',
};
const STATE_WORDS: Record<ReviewState, string> = {
  unreviewed: 'not reviewed',
  'review-requested': 'review requested',
  'partially-approved': 'partially approved',
  'changes-requested': 'changes requested',
  approved: 'approved',
};
export const RISK_LABELS: Record<RiskKey, string> = {
  critical: 'Critical risk',
  high: 'High risk',
  medium: 'Medium risk',
  low: 'Low risk',
  unknown: 'Risk not assessed',
};

export interface QueueRegion {
  id: string;
  path: string;
  uri: string;
  startLine: number; // 1-based, inclusive
  endLine: number; // 1-based, inclusive
  aiLines: number;
  mixedLines: number;
  agents: string[];
  models: string[];
  state: ReviewState;
  approvals: number;
  approvalsRequired: number;
  approvers: string[];
  /** Approvals that count on some of the region's lines only (older servers send none). */
  partlyApprovedBy: PartialApproval[];
  reviewersRequested: string[];
  suggestedReviewers: string[];
  risk?: { level: RiskLevel; reasons: string[] };
  recordedAt?: string;
  /** 1-based lines inside the span that are not AI (old lines an agent edit kept). */
  contextLines: number[];
  /**
   * The server's answer to "may the person at this editor approve it?", the one its
   * quick fix gives. Undefined when an older server does not say: Approve is offered
   * then, and the server decides when it is run.
   */
  canApprove?: boolean;
  /** Why not, in the server's words, when canApprove is false. */
  approvalRefusal?: string;
}

export interface PartialApproval {
  email: string;
  lines: number; // of the region's lines, how many the approval covers
  of: number;
}

export interface ParsedQueue {
  regions: QueueRegion[];
  problems: string[]; // one line per region that had to be skipped or patched
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}
function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** `review.partly_approved_by`: [{email, lines, of}]; malformed entries are dropped. */
export function parsePartialApprovals(value: unknown): PartialApproval[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const found: PartialApproval[] = [];
  for (const entry of value) {
    if (!isObject(entry)) {
      continue;
    }
    const email = str(entry.email);
    const lines = int(entry.lines);
    const of = int(entry.of);
    if (email && lines !== undefined && of !== undefined && lines >= 0 && of >= lines) {
      found.push({ email, lines, of });
    }
  }
  return found;
}

export function parseState(value: unknown): ReviewState | undefined {
  return (STATES as readonly unknown[]).includes(value) ? (value as ReviewState) : undefined;
}

/** `risk` may be absent, a level string, or {level, reasons: [string | {message}]}. */
export function parseRisk(value: unknown): QueueRegion['risk'] {
  const levels: readonly unknown[] = ['critical', 'high', 'medium', 'low'];
  if (typeof value === 'string') {
    const level = value.toLowerCase();
    return levels.includes(level) ? { level: level as RiskLevel, reasons: [] } : undefined;
  }
  if (!isObject(value)) {
    return undefined;
  }
  const level = str(value.level)?.toLowerCase();
  if (!level || !levels.includes(level)) {
    return undefined;
  }
  const reasons = Array.isArray(value.reasons)
    ? value.reasons
        .map((r) => (typeof r === 'string' ? r : isObject(r) ? str(r.message) : undefined))
        .filter((r): r is string => typeof r === 'string')
    : [];
  return { level: level as RiskLevel, reasons };
}

export function parseQueue(raw: unknown): ParsedQueue {
  const problems: string[] = [];
  const list = isObject(raw) && Array.isArray(raw.regions) ? raw.regions : undefined;
  if (list === undefined) {
    return { regions: [], problems: ['the review queue answer has no "regions" list'] };
  }
  const regions: QueueRegion[] = [];
  list.forEach((item, index) => {
    if (!isObject(item)) {
      problems.push(`region ${index}: not an object; skipped`);
      return;
    }
    const uri = str(item.uri);
    const startLine = int(item.start_line);
    const endLine = int(item.end_line);
    if (!uri || startLine === undefined || endLine === undefined || startLine < 1 || endLine < startLine) {
      problems.push(`region ${index}: no uri or line range; skipped`);
      return;
    }
    const review = isObject(item.review) ? item.review : {};
    let state = parseState(review.state);
    if (state === undefined) {
      // Unknown to this client version: treat as needing review, the safe side.
      problems.push(`region ${index}: unknown review state ${JSON.stringify(review.state)}`);
      state = 'unreviewed';
    }
    const suggested = [
      ...strings(review.suggested),
      ...strings(review.suggested_reviewers),
      ...strings(item.suggested_reviewers),
    ];
    const risk = parseRisk(item.risk ?? item.risk_level);
    const region: QueueRegion = {
      id: str(item.id) ?? `${uri}#${startLine}`,
      path: str(item.path) ?? uriTail(uri),
      uri,
      startLine,
      endLine,
      aiLines: int(item.ai_lines) ?? endLine - startLine + 1,
      mixedLines: int(item.mixed_lines) ?? 0,
      agents: strings(item.agents),
      models: strings(item.models),
      state,
      approvals: int(review.approvals) ?? 0,
      approvalsRequired: int(review.approvals_required) ?? 1,
      approvers: strings(review.approvers),
      partlyApprovedBy: parsePartialApprovals(review.partly_approved_by),
      reviewersRequested: strings(review.reviewers_requested),
      suggestedReviewers: [...new Set(suggested)],
      contextLines: Array.isArray(item.context_lines)
        ? [...new Set(item.context_lines)]
            .filter((n): n is number => int(n) !== undefined && n >= startLine && n <= endLine)
            .sort((a, b) => a - b)
        : [],
    };
    if (typeof item.can_approve === 'boolean') {
      region.canApprove = item.can_approve;
    }
    if (risk) {
      region.risk = risk;
    }
    const refusal = str(item.approval_refusal);
    if (refusal && region.canApprove === false) {
      region.approvalRefusal = refusal;
    }
    const recordedAt = str(item.recorded_at);
    if (recordedAt) {
      region.recordedAt = recordedAt;
    }
    regions.push(region);
  });
  return { regions, problems };
}

function uriTail(uri: string): string {
  const parts = uri.split('/');
  return decodeURIComponent(parts[parts.length - 1] ?? uri);
}

// --- grouping for the tree view ---------------------------------------------------------

export interface RiskGroup {
  risk: RiskKey;
  label: string;
  regions: QueueRegion[];
}
export interface StateGroup {
  state: ReviewState;
  label: string; // "Unreviewed (2)"
  count: number;
  /** Empty when no region of the state has a risk: then the regions hang under the state. */
  risks: RiskGroup[];
  regions: QueueRegion[];
}

function byPlace(a: QueueRegion, b: QueueRegion): number {
  return a.path.localeCompare(b.path) || a.startLine - b.startLine;
}

/** States in STATES order (empty ones left out); inside each, risk groups highest first. */
export function groupQueue(regions: readonly QueueRegion[]): StateGroup[] {
  const groups: StateGroup[] = [];
  for (const state of STATES) {
    const inState = regions.filter((r) => r.state === state).sort(byPlace);
    if (inState.length === 0) {
      continue;
    }
    const anyRisk = inState.some((r) => r.risk !== undefined);
    const risks: RiskGroup[] = [];
    if (anyRisk) {
      for (const risk of RISKS) {
        const inRisk = inState.filter((r) => (r.risk?.level ?? 'unknown') === risk);
        if (inRisk.length > 0) {
          risks.push({ risk, label: `${RISK_LABELS[risk]} (${inRisk.length})`, regions: inRisk });
        }
      }
    }
    groups.push({
      state,
      label: `${STATE_LABELS[state]} (${inState.length})`,
      count: inState.length,
      risks,
      regions: inState,
    });
  }
  return groups;
}

export function provenance(region: QueueRegion): string {
  const who = region.agents.join(', ') || 'an AI agent';
  return region.models.length > 0 ? `${who} (${region.models.join(', ')})` : who;
}

/** `4-11`, or `4` for one line (as the CLI writes PATH:LINE). */
function lineSpan(region: QueueRegion): string {
  return region.endLine > region.startLine ? `${region.startLine}-${region.endLine}` : `${region.startLine}`;
}

/** Where a region is, in full: `src/app.py:4-11`. */
export function regionPlace(region: QueueRegion): string {
  return `${region.path}:${lineSpan(region)}`;
}

/** The tree item's label, short enough for a narrow side bar: `app.py:4-11`. */
export function regionLabel(region: QueueRegion): string {
  const name = region.path.slice(region.path.lastIndexOf('/') + 1) || region.path;
  return `${name}:${lineSpan(region)}`;
}

/**
 * The tree item's description: the state (the view's reason to exist) and the risk
 * first, so that a narrow side bar cuts off the approvals (also in the tooltip) first.
 */
export function regionDescription(region: QueueRegion): string {
  const parts = [STATE_WORDS[region.state]];
  if (region.risk) {
    parts.push(`${region.risk.level} risk`);
  }
  parts.push(`${region.approvals}/${region.approvalsRequired} approvals`);
  return parts.join(' · ');
}

export interface DateOptions {
  now?: Date;
  /** A BCP 47 tag (VS Code's display language); undefined: the runtime's default. */
  locale?: string;
  timeZone?: string;
}

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** `3 days ago (Nov 24, 2026, 9:30 AM)` in the locale's words; an unreadable date as it is. */
export function humanDate(iso: string, options: DateOptions = {}): string {
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) {
    return iso;
  }
  const seconds = Math.round((then.getTime() - (options.now ?? new Date()).getTime()) / 1000);
  const [unit, size] = UNITS.find(([, s]) => Math.abs(seconds) >= s) ?? ['second', 1];
  const relative = new Intl.RelativeTimeFormat(options.locale, { numeric: 'auto' }).format(
    Math.round(seconds / size),
    unit,
  );
  const date = new Intl.DateTimeFormat(options.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: options.timeZone,
  }).format(then);
  return `${relative} (${date})`;
}

export function regionTooltip(region: QueueRegion, options: DateOptions = {}): string {
  const lines = [
    `${regionPlace(region)}: AI-written by ${provenance(region)}`,
    `Review: ${STATE_WORDS[region.state]}, ${region.approvals}/${region.approvalsRequired} approvals`,
    `${region.aiLines} AI lines, ${region.mixedLines} changed by a person since`,
  ];
  if (region.approvers.length > 0) {
    lines.push(`Approved by ${region.approvers.join(', ')}`);
  }
  if (region.partlyApprovedBy.length > 0) {
    const parts = region.partlyApprovedBy.map((p) => `${p.email} (${p.lines} of ${p.of} lines)`);
    lines.push(`Approved in part by ${parts.join(', ')}`);
  }
  if (region.contextLines.length > 0) {
    const n = region.contextLines.length;
    lines.push(`${n} line${n === 1 ? '' : 's'} inside not AI (context the agent's edit kept)`);
  }
  if (region.reviewersRequested.length > 0) {
    lines.push(`Review requested from ${region.reviewersRequested.join(', ')}`);
  }
  if (region.risk) {
    lines.push(`Risk: ${region.risk.level}${region.risk.reasons.length ? ` (${region.risk.reasons.join('; ')})` : ''}`);
  }
  if (region.recordedAt) {
    lines.push(`Recorded ${humanDate(region.recordedAt, options)}`);
  }
  if (region.canApprove === true) {
    lines.push('You may approve it');
  } else if (region.canApprove === false) {
    lines.push(`You cannot approve it${region.approvalRefusal ? `: ${region.approvalRefusal}` : ''}`);
  }
  return lines.join('\n');
}

export interface RegionItem {
  label: string;
  description: string;
  tooltip: string;
  /**
   * `region.STATE`, with `.can-approve` when the server says the person at the editor
   * may approve it: package.json's item menus offer Approve on that suffix only.
   */
  contextValue: string;
}

/** What the Four Eyes view shows for a region (queueView.ts makes the TreeItem). */
export function regionItem(region: QueueRegion, options: DateOptions = {}): RegionItem {
  return {
    label: regionLabel(region),
    description: regionDescription(region),
    tooltip: regionTooltip(region, options),
    contextValue: `region.${region.state}${region.canApprove === false ? '' : '.can-approve'}`,
  };
}

// --- counts for the status bar ----------------------------------------------------------

export interface Counts {
  regions: number;
  pending: number; // not approved
  byState: Record<ReviewState, number>;
}

export function count(regions: readonly QueueRegion[]): Counts {
  const byState: Record<ReviewState, number> = {
    unreviewed: 0,
    'review-requested': 0,
    'partially-approved': 0,
    'changes-requested': 0,
    approved: 0,
  };
  for (const region of regions) {
    byState[region.state] += 1;
  }
  return { regions: regions.length, pending: regions.length - byState.approved, byState };
}

function describe(counts: Counts): string {
  if (counts.regions === 0) {
    return 'no AI-written regions';
  }
  const parts = STATES.filter((s) => counts.byState[s] > 0).map(
    (s) => `${counts.byState[s]} ${STATE_WORDS[s]}`,
  );
  return `${counts.regions} AI region${counts.regions === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export interface StatusText {
  text: string;
  tooltip: string;
}

/** `file` is undefined when the active editor is not a file foureyes answers for. */
export function statusText(workspace: Counts, file: Counts | undefined): StatusText {
  const text =
    file === undefined
      ? `$(eye) ${workspace.pending} to review`
      : `$(eye) ${file.pending} here · ${workspace.pending} in workspace`;
  const tooltip = [
    'Four Eyes: AI-written regions awaiting review',
    ...(file === undefined ? [] : [`This file: ${describe(file)}`]),
    `Workspace: ${describe(workspace)}`,
    'Click to open the review queue',
  ].join('\n');
  return { text, tooltip };
}

// --- gutter decorations -----------------------------------------------------------------

export interface LineSpan {
  start: number; // 0-based, inclusive
  end: number; // 0-based, inclusive
}

/** For one document: the 0-based line spans of its regions, per review state. */
export function spansByState(
  regions: readonly QueueRegion[],
  isThisDocument: (uri: string) => boolean,
): Record<ReviewState, LineSpan[]> {
  const spans: Record<ReviewState, LineSpan[]> = {
    unreviewed: [],
    'review-requested': [],
    'partially-approved': [],
    'changes-requested': [],
    approved: [],
  };
  for (const region of regions) {
    if (isThisDocument(region.uri)) {
      spans[region.state].push({ start: region.startLine - 1, end: region.endLine - 1 });
    }
  }
  return spans;
}

/** A comparable form of a file URI: decoded path, lower-case drive letter. */
export function uriKey(uri: string): string {
  let path = uri.replace(/^file:\/\/[^/]*/i, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep it as it is
  }
  return path.replace(/^\/([A-Za-z]):/, (_m, drive: string) => `/${drive.toLowerCase()}:`);
}

/** "a@x.com, b@x.com lee" -> ["a@x.com", "b@x.com", "lee"] (commas, semicolons or spaces). */
export function splitReviewers(text: string): string[] {
  return [...new Set(text.split(/[,;\s]+/).map((s) => s.trim()).filter((s) => s !== ''))];
}

