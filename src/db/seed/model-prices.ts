// Placeholder so the seed compiles; the usage engineer replaces it with the priced list.
export function seedModelRows(now: number) {
  return [
    { id: 'gpt-4o-mini', provider: 'openai', upstreamId: 'gpt-4o-mini', kind: 'chat' as const, inputPrice: 0.15, cachedInputPrice: 0.075, outputPrice: 0.6, updatedAt: now },
  ];
}
