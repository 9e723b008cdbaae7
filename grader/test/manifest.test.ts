import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  allExercises,
  findExercise,
  loadCourse,
  ManifestError,
  shortName,
  UnknownExerciseError,
  validateCourse,
} from "../src/manifest.ts";
import { closeMatches, editDistance } from "../src/similar.ts";

const course = loadCourse();
const clone = () =>
  structuredClone(course) as unknown as { chapters: { exercises: Record<string, unknown>[] }[] };

describe("the course manifest", () => {
  it("loads and validates", () => {
    expect(allExercises(course).length).toBeGreaterThan(0);
  });

  it("rejects a manifest whose points do not add up, saying which exercise", () => {
    const broken = clone();
    broken.chapters[0]!.exercises[0]!.points = 999;
    expect(() => validateCourse(broken)).toThrow(/points is 999 but its tests add up to/);
  });

  it("rejects unknown fields and lists every problem", () => {
    const broken = clone();
    broken.chapters[0]!.exercises[0]!.colour = "red";
    broken.chapters[0]!.exercises[0]!.hints = [];
    try {
      validateCourse(broken);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).problems.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("rejects an exercise id outside its chapter", () => {
    const broken = clone();
    broken.chapters[0]!.exercises[0]!.id = "99-elsewhere/thing";
    expect(() => validateCourse(broken)).toThrow(/must start with/);
  });
});

describe("finding an exercise", () => {
  const first = allExercises(course)[0]!;

  it("accepts the id, the short name, or the file path", () => {
    expect(findExercise(course, first.id)).toBe(first);
    expect(findExercise(course, shortName(first))).toBe(first);
    expect(findExercise(course, first.files[0]!)).toBe(first);
  });

  it("suggests close matches for a misspelt name", () => {
    const name = shortName(first);
    const typo = `${name.slice(0, -1)}x`;
    try {
      findExercise(course, typo);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownExerciseError);
      expect((error as UnknownExerciseError).suggestions).toContain(name);
      expect((error as Error).message).toContain(`Did you mean`);
    }
  });
});

describe("close matches", () => {
  it("edit distance is a metric: zero only for equal strings, symmetric, triangle inequality", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }),
        fc.string({ maxLength: 8 }),
        fc.string({ maxLength: 8 }),
        (a, b, c) => {
          expect(editDistance(a, b) === 0).toBe(a === b);
          expect(editDistance(a, b)).toBe(editDistance(b, a));
          expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c));
        },
      ),
    );
  });

  it("puts the nearest candidate first and leaves far ones out", () => {
    expect(closeMatches("semaphor", ["semaphore", "barrier", "pipeline"])).toEqual(["semaphore"]);
    expect(closeMatches("zzzzzz", ["semaphore", "barrier"])).toEqual([]);
  });
});
