// Placeholder so the seed compiles; the routing engineer replaces it with the seeded groups.
export function seedGroupRows(now: number) {
  return [] as { name: string; strategy: 'heuristic' | 'classifier'; targets: string[]; logicLevel: number | null; primaryUse: string; settings: Record<string, unknown>; updatedAt: number }[];
}
