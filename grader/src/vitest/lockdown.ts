/**
 * The first setup file of every test process: Hardened JavaScript before anything else runs, under
 * `npm test` and when grading alike (confine/realm.ts). Learner modules are then evaluated in
 * compartments of this realm (confine/load.ts).
 */
import { confinedRealm } from "../confine/load.ts";
import { isUnconfined } from "./env.ts";

if (!isUnconfined()) confinedRealm();
