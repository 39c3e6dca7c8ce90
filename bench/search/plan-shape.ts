/** A plan of EXPLAIN (FORMAT JSON), as deep as its nodes go. */
export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Scan Direction'?: string;
  'Actual Total Time'?: number;
  Plans?: PlanNode[];
}

const shorten = (index: string) => index.replace(/^audit_events_(\d{4}_\d{2}_)?/, '').replace(/_idx$/, '');

/**
 * A plan in one line: node types with the index they read, children in brackets, the same child
 * repeated over partitions written once with its count, e.g. `Limit > Merge Append [6 × Index Scan Backward (pkey)]`.
 */
export function planShape(node: PlanNode): string {
  const type = node['Scan Direction'] === 'Backward' ? `${node['Node Type']} Backward` : node['Node Type'];
  const own = node['Index Name'] ? `${type} (${shorten(node['Index Name'])})` : type;
  const children = node.Plans ?? [];
  if (children.length === 0) return own;
  if (children.length === 1) return `${own} > ${planShape(children[0])}`;
  const counts = new Map<string, number>();
  for (const child of children) {
    const shape = planShape(child);
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  return `${own} [${[...counts].map(([shape, n]) => (n > 1 ? `${n} × ${shape}` : shape)).join('; ')}]`;
}
