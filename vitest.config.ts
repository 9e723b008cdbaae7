// `npm test`: the exercises' tests against your code in exercises/. See grader/src/vitest/config.ts.
import { courseConfig } from "./grader/src/vitest/config.ts";

export default courseConfig({ grading: false });
