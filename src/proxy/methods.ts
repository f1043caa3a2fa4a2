/**
 * The proxy's method table: for every method of the loaded services, its class, sticky
 * key, shadow settings and capture rule, resolved once from the configuration.
 */
import type protobuf from 'protobufjs';
import { fail } from '../errors.js';
import type { MethodDescriptor, ProtoSchema } from '../schema/load.js';
import type { CallKind } from '../transport/transport.js';
import type { CaptureRule } from './capture-config.js';
import type { ProxyConfig, ShadowMethodSettings, StickyKeySpec } from './config.js';
import { compileFieldReader, type FieldReader } from './field-path.js';

/** Everything the proxy knows about one method. */
export interface ProxyMethod {
  /** `/pkg.Service/Method`. */
  readonly path: string;
  readonly kind: CallKind;
  /** Dense index (0..n-1), for per-method arrays on the hot path. */
  readonly index: number;
  /** `reads`, `writes`, `default` or a custom class name. */
  readonly class: string;
  /** Metadata key holding the sticky key, if any (tried first). */
  readonly stickyMetadata: string | undefined;
  /** Reads the sticky key from the first request message, when the method has a key field (tried when the metadata key is absent). */
  readonly stickyField: FieldReader | undefined;
  /** Effective shadow settings (sample rate 0 for writes not safe to repeat). */
  readonly shadow: ShadowMethodSettings;
  /** Capture rule, if the method's writes are captured. */
  readonly capture: CaptureRule | undefined;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
}

/** Turns a method pattern (`/pkg.Svc/M`, `pkg.Svc/*`, `*`) into a matcher. */
export function methodMatcher(pattern: string): (path: string) => boolean {
  const p = pattern === '*' || pattern.startsWith('/') ? pattern : `/${pattern}`;
  if (!p.includes('*')) return (path) => path === p;
  const re = new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (path) => re.test(path);
}

/**
 * Builds the method table. Throws PROXY_CONFIG_INVALID when a pattern matches no method,
 * a sticky field does not exist in a request type, or a capture rule names an unknown method.
 */
export function buildMethodTable(schema: ProtoSchema, config: ProxyConfig): ReadonlyMap<string, ProxyMethod> {
  const all = [...schema.methods.values()];
  const matching = (pattern: string, where: string): MethodDescriptor[] => {
    const m = methodMatcher(pattern);
    const found = all.filter((d) => m(d.path));
    if (found.length === 0) throw fail('PROXY_CONFIG_INVALID', `${where}: pattern "${pattern}" matches no method of the loaded services (have: ${all.map((d) => d.path).join(', ')})`);
    return found;
  };
  const classOf = new Map<string, string>();
  config.methods.reads.forEach((p, i) => matching(p, `methods.reads.${i}`).forEach((d) => classOf.set(d.path, 'reads')));
  config.methods.writes.forEach((p, i) => matching(p, `methods.writes.${i}`).forEach((d) => classOf.set(d.path, 'writes')));
  const overrides = new Map<string, Array<ProxyConfig['methods']['overrides'][number]>>();
  config.methods.overrides.forEach((o, i) => {
    for (const d of matching(o.method, `methods.overrides.${i}.method`)) overrides.set(d.path, [...(overrides.get(d.path) ?? []), o]);
  });
  const captures = new Map<string, CaptureRule>();
  config.capture.rules.forEach((r, i) => {
    if (!schema.methods.has(r.method)) throw fail('PROXY_CONFIG_INVALID', `capture.rules.${i}.method: ${r.method} is not a method of the loaded services`);
    captures.set(r.method, r);
  });

  const table = new Map<string, ProxyMethod>();
  all.forEach((d, index) => {
    let cls = classOf.get(d.path) ?? config.methods.defaultClass;
    let sticky: StickyKeySpec | null = config.routing.sticky;
    const { maxBufferedBytes: _b, ...shadowDefaults } = config.shadow;
    let shadow: ShadowMethodSettings = { ...shadowDefaults };
    let fieldIsExplicit = false;
    for (const o of overrides.get(d.path) ?? []) {
      if (o.class) cls = o.class;
      if (o.sticky !== undefined) sticky = o.sticky === null ? null : { ...sticky, ...o.sticky };
      if (o.sticky?.field) fieldIsExplicit = true;
      if (o.shadow) shadow = { ...shadow, ...o.shadow };
    }
    if (cls === 'writes' && !shadow.safeToRepeat) shadow = { ...shadow, sampleRate: 0 };
    let stickyField: FieldReader | undefined;
    if (sticky?.field) {
      try {
        stickyField = compileFieldReader(d.requestType, sticky.field);
      } catch (err) {
        // The default key field need not exist in every request type; one named for this method must.
        if (fieldIsExplicit) throw fail('PROXY_CONFIG_INVALID', `sticky field for ${d.path}: ${(err as Error).message}`, { cause: err });
      }
    }
    table.set(d.path, Object.freeze({
      path: d.path,
      kind: d.kind,
      index,
      class: cls,
      stickyMetadata: sticky?.metadata,
      stickyField,
      shadow: Object.freeze(shadow),
      capture: captures.get(d.path),
      requestType: d.requestType,
      responseType: d.responseType,
    }));
  });
  const defaultField = config.routing.sticky?.field;
  if (defaultField && ![...table.values()].some((m) => m.stickyField)) {
    throw fail('PROXY_CONFIG_INVALID', `routing.sticky.field: no request type of the loaded services has a field "${defaultField}"`);
  }
  return table;
}
