/** What every layer knows about a method: its path and its call shape. */

/** The four call shapes of gRPC. */
export type CallKind = 'unary' | 'server-stream' | 'client-stream' | 'bidi';

/** What a transport needs to know about a method. */
export interface MethodInfo {
  /** `/package.Service/Method`. */
  path: string;
  /** The call shape. */
  kind: CallKind;
}
