import type { ParsedArgs, CommandIo } from '../command.ts';
export async function importImap(_url: string, _args: ParsedArgs, _dbPath: string, _dbName: string, _io: CommandIo): Promise<number> {
  throw new Error('not yet');
}
