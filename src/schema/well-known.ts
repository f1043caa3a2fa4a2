/**
 * proto3 JSON output for the well-known types protobufjs leaves as plain messages:
 * Timestamp → RFC 3339 string, Duration → `"1.5s"`. (Input strings are converted by
 * `json-input.ts` before encoding.)
 */
import protobuf from 'protobufjs';

let installed = false;

type Wrapper = { fromObject(this: protobuf.Type, object: Record<string, unknown>): protobuf.Message; toObject(this: protobuf.Type, message: protobuf.Message, options?: protobuf.IConversionOptions): Record<string, unknown> };

function longToNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return 0;
}

/** Registers the JSON wrappers once per process. */
export function installWellKnownJson(): void {
  if (installed) return;
  installed = true;
  const wrappers = protobuf.wrappers as unknown as Record<string, Wrapper>;
  wrappers['.google.protobuf.Timestamp'] = {
    fromObject(object) {
      return this.fromObject(object);
    },
    toObject(message, options) {
      if (options?.json) {
        const m = message as unknown as { seconds?: unknown; nanos?: number };
        const seconds = longToNumber(m.seconds);
        const nanos = m.nanos ?? 0;
        const base = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
        const frac = nanos ? '.' + String(nanos).padStart(9, '0').replace(/0+$/, '') : '';
        return `${base}${frac}Z` as unknown as Record<string, unknown>;
      }
      return this.toObject(message, options);
    },
  };
  wrappers['.google.protobuf.Duration'] = {
    fromObject(object) {
      return this.fromObject(object);
    },
    toObject(message, options) {
      if (options?.json) {
        const m = message as unknown as { seconds?: unknown; nanos?: number };
        const seconds = longToNumber(m.seconds);
        const nanos = m.nanos ?? 0;
        const neg = seconds < 0 || nanos < 0;
        const frac = nanos ? '.' + String(Math.abs(nanos)).padStart(9, '0').replace(/0+$/, '') : '';
        return `${neg ? '-' : ''}${Math.abs(seconds)}${frac}s` as unknown as Record<string, unknown>;
      }
      return this.toObject(message, options);
    },
  };
}
