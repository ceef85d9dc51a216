import type { GatherContext } from '../types.ts';
import { analyseSpf, type SpfAnalysis } from './analyse.ts';

/** Gathers the SPF tree of a domain through the context's resolver (the only I/O of the check). */
export function gatherSpf(domain: string, ctx: GatherContext): Promise<SpfAnalysis> {
  return analyseSpf(ctx.resolver, domain, ctx.signal, { obsoleteSpfType: ctx.options.obsoleteSpfType });
}
