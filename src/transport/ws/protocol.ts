/** Subprotocol names and version negotiation through `Sec-WebSocket-Protocol`. */

/** The binary subprotocol, version 1. */
export const SUBPROTOCOL_BINARY = 'switchyard.v1';
/** The JSON text subprotocol, version 1 (offered when the server has a schema). */
export const SUBPROTOCOL_JSON = 'switchyard.v1.json';

/** The outcome of negotiation. */
export type Negotiated =
  | { t: 'ok'; protocol: typeof SUBPROTOCOL_BINARY | typeof SUBPROTOCOL_JSON; mode: 'binary' | 'json' }
  | { t: 'refused'; reason: string };

/**
 * Picks the subprotocol for the ones a client offered: binary first, then JSON (when the
 * server has a schema). Otherwise explains what the server speaks.
 */
export function negotiate(offered: readonly string[], jsonEnabled: boolean): Negotiated {
  if (offered.includes(SUBPROTOCOL_BINARY)) return { t: 'ok', protocol: SUBPROTOCOL_BINARY, mode: 'binary' };
  if (jsonEnabled && offered.includes(SUBPROTOCOL_JSON)) return { t: 'ok', protocol: SUBPROTOCOL_JSON, mode: 'json' };
  const speaks = jsonEnabled ? `${SUBPROTOCOL_BINARY}, ${SUBPROTOCOL_JSON}` : SUBPROTOCOL_BINARY;
  if (offered.length === 0) return { t: 'refused', reason: `no subprotocol offered; this server speaks ${speaks}` };
  const json = !jsonEnabled && offered.includes(SUBPROTOCOL_JSON) ? ' (JSON needs a schema on the server)' : '';
  return { t: 'refused', reason: `unsupported subprotocol ${offered.map((p) => `"${p}"`).join(', ')}${json}; this server speaks ${speaks}` };
}
