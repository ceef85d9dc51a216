// mailauth's Received parser (lib/parse-received.js, a file of the pinned package without its own
// types). Only the shape mailsec reads is declared.
declare module 'mailauth/lib/parse-received.js' {
  export interface ReceivedClause {
    value: string;
    comment?: string;
  }
  export interface ParsedReceived {
    from?: ReceivedClause;
    by?: ReceivedClause;
    with?: ReceivedClause;
    id?: ReceivedClause;
    for?: ReceivedClause;
    'envelope-from'?: ReceivedClause;
    tls?: ReceivedClause;
    timestamp?: string;
    [key: string]: unknown;
  }
  export function parseReceived(line: Buffer | string): ParsedReceived | false;
  export function getClientAddress(from: ReceivedClause | undefined): string | false;
}
