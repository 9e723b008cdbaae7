/**
 * Is a failure's headline written for learners? It is what `npm run grade` prints after "first failing:",
 * so it must name the broken behaviour in the exercise's own words. The rule, one check per line:
 *
 * 1. It is a sentence: at least three words.
 * 2. It is not fast-check's own header ("Property failed after 3 tests", "Property failed by returning
 *    false"): that says that a property failed, never what.
 * 3. It does not begin with an assertion library's default wording (chai's and vitest's "expected 2 to
 *    be 1", "promise rejected … instead of resolving", node:assert's "Expected values to be strictly
 *    equal"): a label of ours must come first, as in `expect(x, "two sections ran at once").toBe(1)`.
 * 4. It holds no stack line ("at f (file:3:7)") and no file path (absolute, `*.test.ts`, the grader's
 *    own folders): where a test lives is not what went wrong.
 * 5. It is not a JavaScript engine's own error ("Maximum call stack size exceeded", "x is not
 *    iterable", "Invalid regular expression"): the test should catch it and say which call failed how.
 * 6. It is not a test that merely ran out of time ("Test timed out in 10000ms", which grading words
 *    as "idle: the test waited …"): the test should bound its wait and name what never happened.
 * 7. It names no internal identifier of the test: a code-shaped name (camelCase or CONSTANT_CASE)
 *    declared in the test file or imported by it, unless the learner's own files (the stub, the given
 *    code) use that name too: those names are the exercise's, not the test's.
 *
 * An error's class name in front ("AssertionError: ", "TypeError: ") is not part of the message.
 */

/** Assertion libraries' own first words: chai/vitest, then node:assert. */
const LIBRARY_DEFAULTS: readonly RegExp[] = [
  /^expected\b/i,
  /^promise (?:resolved|rejected) .* instead of (?:resolving|rejecting)/i,
  /^snapshot .* mismatched/i,
  /^unspecified assertionerror/i,
  /^assertion failed$/i,
  /^expect\.(?:fail|unreachable|assertions)\b/,
  /^Expected values to be (?:strictly |loosely )?(?:deep[- ])?(?:equal|unequal)/,
  /^Expected "actual" to/,
  /^The expression evaluated to a falsy value/,
  /^(?:Missing expected (?:exception|rejection)|Got unwanted (?:exception|rejection))/,
  /^The input (?:did not match|was expected to not match) the regular expression/,
  /^Values (?:identical but not reference-equal|have same structure but are not reference-equal)/,
  /^\S+ (?:==|===|!=|!==|deepEqual|deepStrictEqual) \S+$/,
];

/** V8's wording for errors the language itself throws. */
const ENGINE_ERRORS: readonly RegExp[] = [
  /^Maximum call stack size exceeded/,
  /^(?:\(intermediate value\)|\S+) is not (?:iterable|a function|a constructor|defined)\b/,
  /^Cannot (?:read|set) properties of (?:undefined|null)/,
  /^Cannot access '.*' before initialization/,
  /^Invalid regular expression: /,
  /^Assignment to constant variable/,
  /^Unexpected token\b/,
  /^Invalid array length/,
  /^Do not know how to serialize a BigInt/,
  /^Converting circular structure to JSON/,
  /^Reduce of empty array with no initial value/,
];
const TIMED_OUT =
  /^(?:idle: the test waited \d+ s for something that never happened|Test timed out in \d+ ?ms)/;

const FAST_CHECK_HEADER = /^Property (?:failed|interrupted)\b/;
const ERROR_CLASS = /^(?:[A-Z][A-Za-z]*)?Error: /;
const STACK_LINE = /(?:^|\s)at (?:async )?\S*\s*\(?(?:file:\/\/|\/|[A-Za-z]:\\|node:)[^)\s]*:\d+(?::\d+)?\)?/;
const FILE_PATHS: readonly RegExp[] = [
  /(?:^|[\s("'`=])(?:file:\/\/)?\/(?:[\w.@+-]+\/)+[\w.@+-]+/, // an absolute path
  /[\w./-]+\.(?:test|spec)\.[cm]?[jt]sx?\b/, // a test file
  /\bgrader\/(?:harness|src|test|mutants)\//, // the grader's own code
  /\bnode_modules\//,
];
/** Names that look like code rather than words: camelCase with an inner capital, or CONSTANT_CASE. */
const CODE_SHAPED = /^(?:[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*|[A-Z][A-Z0-9]*_[A-Z0-9_]+)$/;

export interface MessageContext {
  /** Code-shaped names the test file declares or imports that the exercise does not export. */
  readonly testIdentifiers: ReadonlySet<string>;
}

/** Why `headline` is not written for learners, or undefined when it is. */
export function learnerMessageProblem(
  headline: string,
  context: MessageContext = { testIdentifiers: new Set() },
): string | undefined {
  const message = headline.trim().replace(ERROR_CLASS, "");
  if (FAST_CHECK_HEADER.test(message)) return "it is fast-check's header, not the assertion that failed";
  if (LIBRARY_DEFAULTS.some((pattern) => pattern.test(message)))
    return "it is the assertion library's default wording with no label of ours in front";
  if (ENGINE_ERRORS.some((pattern) => pattern.test(message)))
    return "it is the JavaScript engine's own error, not a sentence about what the call should have done";
  if (TIMED_OUT.test(message)) return "the test only ran out of time, without saying what it waited for";
  if (STACK_LINE.test(message)) return "it quotes a stack line";
  if (FILE_PATHS.some((pattern) => pattern.test(message))) return "it names a file of the course's tests";
  const identifier = [...message.matchAll(/[A-Za-z_$][\w$]*/g)]
    .map((m) => m[0])
    .find((word) => context.testIdentifiers.has(word));
  if (identifier) return `it names ${identifier}, a name from inside the test`;
  if ((message.match(/[\p{L}\p{N}]+/gu) ?? []).length < 3)
    return "it is not a sentence (fewer than three words)";
  return undefined;
}

/**
 * The code-shaped names a test file declares (functions, classes, variables; parameters are left out)
 * or imports, minus `known`: the names the learner's own files use.
 */
export function testIdentifiers(testSource: string, known: ReadonlySet<string>): Set<string> {
  const names = new Set<string>();
  const declared = /\b(?:function\*?|class|const|let|var|type|interface|enum)\s+([A-Za-z_$][\w$]*)/g;
  for (const match of testSource.matchAll(declared)) names.add(match[1]!);
  // const { a, b: c } = … and const [a, b] = …
  for (const match of testSource.matchAll(/\b(?:const|let|var)\s*[{[]([^}\]=]*)[}\]]\s*=/g)) {
    for (const part of match[1]!.split(",")) {
      const name = part
        .split(":")
        .at(-1)
        ?.trim()
        .replace(/^\.\.\./, "");
      if (name && /^[A-Za-z_$][\w$]*$/.test(name)) names.add(name);
    }
  }
  for (const match of testSource.matchAll(/\bimport\s+(?:type\s+)?\{([^}]*)\}\s+from/g)) {
    for (const part of match[1]!.split(",")) {
      const name = part
        .replace(/^\s*type\s+/, "")
        .split(/\s+as\s+/)
        .at(-1)
        ?.trim();
      if (name) names.add(name);
    }
  }
  return new Set([...names].filter((name) => CODE_SHAPED.test(name) && !known.has(name)));
}

/** Every identifier in `source`: what a learner reads in the exercise's own files is not internal. */
export function identifiersIn(source: string): Set<string> {
  return new Set([...source.matchAll(/[A-Za-z_$][\w$]*/g)].map((m) => m[0]));
}
