/**
 * Which modules of an esbuild bundle have been evaluated, read from the live process.
 *
 * esbuild wraps every CommonJS module (`__commonJS`) and every lazily imported ES module (`__esm`)
 * in an initialiser closure; the module's code runs the first time the initialiser is called.
 * The closure keeps its state in two variables: for `__commonJS` the module body and `mod`
 * (undefined until the body ran), for `__esm` the body and its result (the body is replaced by 0
 * once it ran). Those variables are not reachable from JavaScript, but V8's inspector shows them
 * as a function's [[Scopes]]: from any function of the bundle (here the exported `activate`) we
 * reach the bundle's top-level scope, find every initialiser there, and read its state and the
 * source position of its body. bundleMap.ts maps those positions to source files.
 */
import { Session } from 'node:inspector';

export interface LazyModule {
  /** The bundle's (possibly minified) name for the initialiser: the same module in two readings. */
  binding: string;
  kind: 'commonjs' | 'esm';
  /** Whether the module's code has run. */
  initialized: boolean;
  /** Where the module's body starts in the bundle (0-based), when the body is still reachable. */
  line?: number;
  column?: number;
  /** The source path, when the bundle keeps it (non-minified builds name each body by its path). */
  path?: string;
}

interface RemoteObject {
  type: string;
  subtype?: string;
  value?: unknown;
  objectId?: string;
  description?: string;
}

interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
}

interface Properties {
  result: PropertyDescriptor[];
  internalProperties?: PropertyDescriptor[];
}

export async function lazyModules(anyBundleFunction: (...args: never[]) => unknown): Promise<LazyModule[]> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params: object): Promise<T> =>
    new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
  const handle = Symbol.for('kie.bench.lazyModules.root');
  const holder = globalThis as unknown as Record<symbol, unknown>;
  holder[handle] = anyBundleFunction;
  try {
    const root = await post<{ result: RemoteObject }>('Runtime.evaluate', { expression: `globalThis[Symbol.for('kie.bench.lazyModules.root')]` });
    const properties = (objectId: string) => post<Properties>('Runtime.getProperties', { objectId, ownProperties: true });
    const internal = async (objectId: string, name: string) => (await properties(objectId)).internalProperties?.find((p) => p.name === name)?.value;
    const closureVariables = async (fn: RemoteObject): Promise<PropertyDescriptor[] | undefined> => {
      const scopes = fn.objectId ? await internal(fn.objectId, '[[Scopes]]') : undefined;
      if (!scopes?.objectId) {
        return undefined;
      }
      const first = (await properties(scopes.objectId)).result.find((scope) => scope.value?.description?.startsWith('Closure'));
      return first?.value?.objectId ? (await properties(first.value.objectId)).result : undefined;
    };
    const moduleScope = await closureVariables(root.result);
    if (!moduleScope) {
      throw new Error('the bundle function has no closure scope to inspect');
    }
    const found: LazyModule[] = [];
    for (const variable of moduleScope) {
      const wrapper = variable.value;
      if (wrapper?.type !== 'function' || !wrapper.description) {
        continue;
      }
      const kind = initialiserKind(wrapper.description);
      if (!kind) {
        continue;
      }
      const state = await closureVariables(wrapper);
      if (!state || state.length < 2) {
        continue;
      }
      found.push({ binding: variable.name, ...(await describe(kind, state, properties, internal)) });
    }
    return found;
  } finally {
    delete holder[handle];
    session.disconnect();
  }
}

/**
 * The initialisers esbuild emits, minified or not:
 *   __commonJS: `() => { … return mod || cb((mod = { exports: {} }).exports, mod), mod.exports … }`
 *   __esm:      `() => { … return fn && (res = fn(fn = 0)), res … }`
 */
function initialiserKind(source: string): LazyModule['kind'] | undefined {
  if (source.length > 400) {
    return undefined;
  }
  if (/\(\s*\w+\s*=\s*\{\s*exports\s*:\s*\{\s*\}\s*\}\s*\)\.exports/.test(source)) {
    return 'commonjs';
  }
  if (/return\s+(\w+)\s*&&\s*\(\s*\w+\s*=.*\(\s*\1\s*=\s*0\s*\)/.test(source)) {
    return 'esm';
  }
  return undefined;
}

async function describe(
  kind: LazyModule['kind'],
  state: PropertyDescriptor[],
  properties: (objectId: string) => Promise<Properties>,
  internal: (objectId: string, name: string) => Promise<RemoteObject | undefined>,
): Promise<Omit<LazyModule, 'binding'>> {
  // The body is a function (minified builds) or a one-key object `{ "path"(…) {…} }` (others).
  let body: { fn: RemoteObject; path?: string } | undefined;
  let bodyVariable: PropertyDescriptor | undefined;
  for (const variable of state) {
    const value = variable.value;
    if (value?.type === 'function') {
      body = { fn: value };
    } else if (value?.type === 'object' && value.objectId && value.subtype === undefined) {
      const own = (await properties(value.objectId)).result;
      if (own.length === 1 && own[0].value?.type === 'function' && own[0].name !== 'exports') {
        body = { fn: own[0].value, path: own[0].name };
      }
    }
    if (body) {
      bodyVariable = variable;
      break;
    }
  }
  // __commonJS: `mod` is undefined until the body ran. __esm: the body is replaced by 0 when it runs.
  const initialized = kind === 'commonjs' ? state.some((v) => v !== bodyVariable && v.value?.type !== 'undefined') : !body;
  const module: Omit<LazyModule, 'binding'> = { kind, initialized, ...(body?.path ? { path: body.path } : {}) };
  const location = body?.fn.objectId ? await internal(body.fn.objectId, '[[FunctionLocation]]') : undefined;
  const where = location?.value as { lineNumber?: number; columnNumber?: number } | undefined;
  if (where) {
    module.line = where.lineNumber;
    module.column = where.columnNumber;
  }
  return module;
}
