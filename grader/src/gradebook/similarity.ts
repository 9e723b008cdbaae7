/**
 * Near-identical submissions, for a teacher to look at: never a verdict, never a change of grade.
 *
 * Each learner file is normalised so that renaming variables, reformatting or rewording comments does
 * not hide a copy: comments go, every identifier becomes I, every string S, every number N. What is
 * left is cut into overlapping runs of tokens, and a MinHash signature of those runs is kept per file
 * (small and stable, so gradebooks of several shards can be compared after they are merged). The share
 * of equal signature slots estimates how much of the two files' runs are shared.
 */
const KEYWORDS = new Set(
  (
    "abstract as async await break case catch class const continue debugger declare default delete do else enum " +
    "export extends false finally for from function get if implements import in instanceof interface let new null " +
    "of private protected public readonly return set static super switch this throw true try type typeof " +
    "undefined var void while yield keyof satisfies"
  ).split(" "),
);

const TOKEN =
  /\/\/[^\n]*|\/\*[\s\S]*?\*\/|`(?:\\[\s\S]|[^`\\])*`|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?n?|[A-Za-z_$][\w$]*|\S/g;

/** The file as a list of normalised tokens. */
export function normalizedTokens(source: string): string[] {
  const tokens: string[] = [];
  for (const [token] of source.matchAll(TOKEN)) {
    if (token.startsWith("//") || token.startsWith("/*")) continue;
    if (/^["'`]/.test(token)) tokens.push("S");
    else if (/^\d/.test(token)) tokens.push("N");
    else if (/^[A-Za-z_$]/.test(token)) tokens.push(KEYWORDS.has(token) ? token : "I");
    else tokens.push(token);
  }
  return tokens;
}

const GRAM = 5;
export const SIGNATURE_SIZE = 64;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A fixed, well-mixed permutation of 32-bit values per slot (murmur3's finaliser, salted). */
function mix(value: number, slot: number): number {
  let h = (value ^ Math.imul(slot + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The MinHash signature of a file's token runs; empty for a file too short to say anything. */
export function signature(source: string): number[] {
  const tokens = normalizedTokens(source);
  if (tokens.length < GRAM * 4) return [];
  const grams = new Set<number>();
  for (let i = 0; i + GRAM <= tokens.length; i++) grams.add(fnv1a(tokens.slice(i, i + GRAM).join(" ")));
  const slots = new Array<number>(SIGNATURE_SIZE).fill(0xffffffff);
  for (const gram of grams) {
    for (let slot = 0; slot < SIGNATURE_SIZE; slot++) {
      const value = mix(gram, slot);
      if (value < slots[slot]!) slots[slot] = value;
    }
  }
  return slots;
}

/** Estimated share of token runs two files have in common (0..1). */
export function resemblance(a: readonly number[], b: readonly number[]): number {
  if (a.length !== SIGNATURE_SIZE || b.length !== SIGNATURE_SIZE) return 0;
  let same = 0;
  for (let i = 0; i < SIGNATURE_SIZE; i++) if (a[i] === b[i]) same++;
  return same / SIGNATURE_SIZE;
}

export interface SimilarPair {
  readonly exercise: string;
  readonly learners: readonly [string, string];
  /** Estimated share of normalised code in common, rounded to two decimals. */
  readonly similarity: number;
}

/** Pairs flagged from this share on. */
export const SIMILARITY_THRESHOLD = 0.9;

/**
 * Pairs of learners whose files for an exercise are near-identical. `fingerprints` maps learner →
 * exercise → signature; files identical to the stub have none (everybody starts from the stub).
 */
export function similarPairs(
  fingerprints: ReadonlyMap<string, Readonly<Record<string, readonly number[]>>>,
  threshold = SIMILARITY_THRESHOLD,
): SimilarPair[] {
  const learners = [...fingerprints.keys()].sort();
  const exercises = [...new Set(learners.flatMap((l) => Object.keys(fingerprints.get(l) ?? {})))].sort();
  const pairs: SimilarPair[] = [];
  for (const exercise of exercises) {
    for (let i = 0; i < learners.length; i++) {
      const a = fingerprints.get(learners[i]!)?.[exercise];
      if (!a || a.length === 0) continue;
      for (let j = i + 1; j < learners.length; j++) {
        const b = fingerprints.get(learners[j]!)?.[exercise];
        if (!b || b.length === 0) continue;
        const similarity = resemblance(a, b);
        if (similarity >= threshold)
          pairs.push({
            exercise,
            learners: [learners[i]!, learners[j]!],
            similarity: Math.round(similarity * 100) / 100,
          });
      }
    }
  }
  return pairs;
}
