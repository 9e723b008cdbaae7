/**
 * What a learner reads when their code runs into the confinement: JavaScript's own message, then one
 * sentence on why, so "Cannot add property x, object is not extensible" does not look like a bug of theirs
 * in an object they never froze.
 */

/** V8's and SES's wording when code changes a frozen object. */
const FROZEN =
  /Cannot (add property|assign to read only property|redefine property|delete property|define property)|object is not extensible|Cannot set prototype|is not extensible/;

export const FROZEN_BUILT_INS =
  "The course freezes JavaScript's built-in objects (Object.prototype, Array.prototype, Promise.prototype, …) " +
  "so that the tests can trust them: keep your changes on objects you made yourself.";

/** The message a learner's error should carry when it reaches the course. */
export function explainLearnerError(name: string, message: string): string {
  if (name === "TypeError" && FROZEN.test(message) && !message.includes(FROZEN_BUILT_INS)) {
    return `${message}. ${FROZEN_BUILT_INS}`;
  }
  return message;
}
