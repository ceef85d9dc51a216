/**
 * Every scenario the default testworld serves. Each scenario file adds one import and one entry.
 * Domain names must be unique across scenarios; PTRs for the same address must agree.
 */
import type { Scenario } from '../scenario.ts';
import { foundation } from './foundation.ts';
import { generate } from './generate.ts';
import { hostile } from './hostile.ts';
import { https } from './https.ts';
import { message } from './message.ts';
import { records } from './records.ts';
import { smtp } from './smtp.ts';
import { spf } from './spf.ts';

export const scenarios: readonly Scenario[] = [
  foundation,
  spf,
  records,
  smtp,
  https,
  message,
  hostile,
  generate,
];
