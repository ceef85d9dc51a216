export * from './errors.ts';
export * from './finding.ts';
export * from './names.ts';
export * from './parsed.ts';
export * from './result.ts';
export * from './status.ts';
