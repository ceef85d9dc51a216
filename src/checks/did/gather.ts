import type { HttpResponse } from '../../net/https.ts';
import { classifyWellKnown, parseJson } from '../shared/well-known.ts';
import type { GatherContext } from '../types.ts';
import { didWebUrl, inspectLinkageJwt, originOf, parseDidConfiguration } from './parse.ts';

/** the size cap of /.well-known/did-configuration.json */
export const DID_CONFIGURATION_MAX_BYTES = 256 * 1024;
/** the size cap of a DID document */
export const DID_DOCUMENT_MAX_BYTES = 64 * 1024;
/** at most this many DID documents are fetched per domain */
export const MAX_DID_DOCUMENTS = 4;

export const didConfigurationUrl = (domain: string) => `https://${domain}/.well-known/did-configuration.json`;

export interface DidGathered {
  readonly domain: string;
  readonly url: string;
  /** null: not fetched (--no-http) */
  readonly response: HttpResponse | null;
  /** the did:web documents of the linked DIDs, by DID */
  readonly documents: Readonly<Record<string, { readonly url: string; readonly response: HttpResponse }>>;
}

/**
 * GET the DID configuration (no redirect followed, capped); for each JWT domain linkage whose
 * issuer is a did:web DID, GET its DID document (no redirect, capped, at most 4 per domain).
 */
export async function gatherDid(domain: string, ctx: GatherContext): Promise<DidGathered> {
  const url = didConfigurationUrl(domain);
  if (!ctx.http || ctx.options.noHttp) return { domain, url, response: null, documents: {} };
  const http = ctx.http;
  const response = await http.fetch(url, {
    maxBytes: DID_CONFIGURATION_MAX_BYTES,
    signal: ctx.signal,
    accept: 'application/json',
  });
  const documents: Record<string, { url: string; response: HttpResponse }> = {};
  const v = classifyWellKnown(response);
  if (v.kind !== 'served') return { domain, url, response, documents };
  const json = parseJson(v.body);
  if ('error' in json) return { domain, url, response, documents };
  const wanted = new Map<string, string>();
  for (const entry of parseDidConfiguration(json.value).entries) {
    if (typeof entry !== 'string') continue;
    const did = inspectLinkageJwt(entry, originOf(domain), ctx.now()).did;
    const web = did ? didWebUrl(did) : null;
    if (web && !wanted.has(web.did) && wanted.size < MAX_DID_DOCUMENTS) wanted.set(web.did, web.url);
  }
  await Promise.all(
    [...wanted].map(async ([did, docUrl]) => {
      documents[did] = {
        url: docUrl,
        response: await http.fetch(docUrl, {
          maxBytes: DID_DOCUMENT_MAX_BYTES,
          signal: ctx.signal,
          accept: 'application/did+json, application/json',
        }),
      };
    }),
  );
  return { domain, url, response, documents };
}
