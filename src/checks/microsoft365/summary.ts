import type { Summary } from '../types.ts';
import type { Microsoft365Evidence } from './check.ts';

export const microsoft365Summary: Summary<Microsoft365Evidence> = (s) =>
  s.tenantId ? `tenant ${s.tenantId}${s.namespaceType ? ` (${s.namespaceType})` : ''}` : undefined;
