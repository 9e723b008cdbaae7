/**
 * The first setup file of every test process: Hardened JavaScript before anything else runs, under
 * `npm test` and when grading alike (confine/realm.ts). Learner modules are then evaluated in
 * compartments of this realm (confine/load.ts).
 */
import { confinedRealm } from "../confine/load.ts";
import { guardInspector } from "../run/inspector-guard.ts";
import { isUnconfined } from "./env.ts";

// Outside the sandbox (npm test) nothing else keeps a SIGUSR1 from opening the inspector in this process.
guardInspector();
if (!isUnconfined()) confinedRealm();
