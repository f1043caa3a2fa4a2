/** The {@link CallContext} a handler gets, over one transport server call. */
import { Metadata } from '../transport/metadata.js';
import type { ServerCall } from '../transport/transport.js';
import type { CallContext, MetadataInit } from './types.js';

/** A context plus what the dispatcher reads back from it. */
export interface ServerContext extends CallContext {
  /** Trailers the handler set (empty by default). */
  readonly trailers: Metadata;
}

/** Normalises a metadata init value. */
export function toMetadata(init: MetadataInit | undefined): Metadata {
  return init instanceof Metadata ? init : Metadata.from(init);
}

/** Creates the context of a server call. */
export function createContext(call: ServerCall): ServerContext {
  let trailers = new Metadata();
  return {
    method: call.method,
    metadata: call.metadata,
    deadline: call.deadline,
    signal: call.signal,
    peer: call.peer,
    transport: call.transport,
    get trailers() {
      return trailers;
    },
    sendHeaders(headers) {
      call.sendHeaders(toMetadata(headers));
    },
    setTrailers(next) {
      trailers = toMetadata(next);
    },
  };
}
