/** Edit distance between two strings (insertions, deletions and substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidates closest to `query`: near in spelling, or containing it. At most `limit`, best first. */
export function closeMatches(query: string, candidates: readonly string[], limit = 3): string[] {
  const q = query.toLowerCase();
  const scored = [...new Set(candidates)]
    .map((candidate) => {
      const c = candidate.toLowerCase();
      const distance = c.includes(q) && q.length >= 2 ? 0 : editDistance(q, c);
      return { candidate, distance };
    })
    .filter(({ candidate, distance }) => distance <= Math.max(2, Math.floor(candidate.length / 3)))
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, limit).map((s) => s.candidate);
}
