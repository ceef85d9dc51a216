/**
 * The DNS testworld: a private DNS tree (own root, TLDs, domains) generated from declarative
 * scenarios, signed with real DNSSEC (ldns), served by NSD and resolved by a validating Unbound on
 * 127.S.x.y addresses. See testworld/scenario.ts for the format and the address plan.
 *
 *   const tw = await startTestworld();            // all scenarios of testworld/scenarios/index.ts
 *   tw.resolver                                   // '127.S.0.53' (validating)
 *   await tw.stop();
 */

export { type ProbeAnswer, type ProbeOptions, type ProbeRecord, probe } from './dns/probe.ts';
export {
  type StartOptions,
  startTestworld,
  stopFromState,
  stopTestworldByState,
  type Testworld,
  type TestworldState,
} from './dns/world.ts';
export type { Breakage, DomainSpec, RecordSpec, Scenario } from './scenario.ts';
export { expandNet, NET_PLACEHOLDER } from './scenario.ts';
