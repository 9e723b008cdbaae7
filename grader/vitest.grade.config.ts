// The trusted configuration the grader runs each exercise's tests with. See src/vitest/config.ts.
import { courseConfig } from "./src/vitest/config.ts";

export default courseConfig({ grading: true });
