/**
 * The grader's own property tests run with a fixed seed, as grading does: a counterexample CI finds is
 * found on every machine, and the seed it prints replays it. COURSE_GRADER_TEST_SEED explores other cases.
 */
import fc from "fast-check";

fc.configureGlobal({ seed: Number(process.env.COURSE_GRADER_TEST_SEED ?? 1) });
