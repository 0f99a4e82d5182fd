// The "Four Eyes" view: the workspace review queue, grouped by state and then risk.
import * as vscode from 'vscode';
import { groupQueue, QueueRegion, regionItem, ReviewState, RiskGroup, StateGroup } from '../common/queue';
import { QueueStore } from '../store';

type Node =
  | { kind: 'state'; group: StateGroup }
  | { kind: 'risk'; state: ReviewState; group: RiskGroup }
  | { kind: 'region'; region: QueueRegion };

const STATE_ICONS: Record<ReviewState, vscode.ThemeIcon> = {
  unreviewed: new vscode.ThemeIcon('circle-large-outline', new vscode.ThemeColor('charts.orange')),
  'review-requested': new vscode.ThemeIcon('comment-discussion', new vscode.ThemeColor('charts.blue')),
  'partially-approved': new vscode.ThemeIcon('check', new vscode.ThemeColor('charts.purple')),
  'changes-requested': new vscode.ThemeIcon('request-changes', new vscode.ThemeColor('charts.red')),
  approved: new vscode.ThemeIcon('pass', new vscode.ThemeColor('charts.green')),
};

export class QueueTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: QueueStore) {
    store.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: Node): Node[] {
    if (node === undefined) {
      return groupQueue(this.store.regions).map((group) => ({ kind: 'state', group }));
    }
    if (node.kind === 'state') {
      return node.group.risks.length > 0
        ? node.group.risks.map((group) => ({ kind: 'risk', state: node.group.state, group }))
        : node.group.regions.map((region) => ({ kind: 'region', region }));
    }
    if (node.kind === 'risk') {
      return node.group.regions.map((region) => ({ kind: 'region', region }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'state') {
      const item = new vscode.TreeItem(
        node.group.label,
        node.group.state === 'approved'
          ? vscode.TreeItemCollapsibleState.Collapsed
          : vscode.TreeItemCollapsibleState.Expanded,
      );
      item.id = `state:${node.group.state}`;
      item.iconPath = STATE_ICONS[node.group.state];
      item.contextValue = `state.${node.group.state}`;
      return item;
    }
    if (node.kind === 'risk') {
      const item = new vscode.TreeItem(node.group.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `risk:${node.state}:${node.group.risk}`;
      item.iconPath = new vscode.ThemeIcon(node.group.risk === 'critical' || node.group.risk === 'high' ? 'warning' : 'shield');
      item.contextValue = `risk.${node.group.risk}`;
      return item;
    }
    const region = node.region;
    const shown = regionItem(region, { locale: vscode.env.language });
    const item = new vscode.TreeItem(shown.label, vscode.TreeItemCollapsibleState.None);
    item.id = `region:${region.id}:${region.state}`;
    item.description = shown.description;
    item.tooltip = shown.tooltip;
    item.iconPath = STATE_ICONS[region.state];
    item.contextValue = shown.contextValue;
    // No resourceUri: its problem count and colour would take a narrow row's room, and
    // every row here has a diagnostic anyway.
    item.command = { command: 'foureyes.openRegion', title: 'Open AI Region', arguments: [region] };
    return item;
  }
}

export async function openRegion(region: QueueRegion): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(region.uri));
  const last = Math.min(region.endLine - 1, document.lineCount - 1);
  const start = new vscode.Position(Math.min(region.startLine - 1, last), 0);
  const range = new vscode.Range(start, document.lineAt(last).range.end);
  const editor = await vscode.window.showTextDocument(document, { selection: new vscode.Range(start, start) });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
