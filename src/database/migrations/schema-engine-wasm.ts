import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as SchemaEngineModule from '@prisma/schema-engine-wasm/schema_engine_bg' with {
  'resolution-mode': 'import',
};

export type SchemaEngineBindings = typeof SchemaEngineModule;

interface WasmInstance {
  exports: Record<string, unknown> & { __wbindgen_start(): void };
}
interface WasmRuntime {
  instantiate(bytes: Uint8Array, imports: Record<string, object>): Promise<{ instance: WasmInstance }>;
}

const BINDINGS_MODULE = '@prisma/schema-engine-wasm/schema_engine_bg';

let loading: Promise<SchemaEngineBindings> | undefined;
let panicMessage: string | undefined;
const panicListeners = new Set<(message: string) => void>();

export function loadSchemaEngine(): Promise<SchemaEngineBindings> {
  // A panic leaves the instance's memory in an undefined state, and the bindings module (an ES
  // module, loaded once per process) cannot be rewired to a fresh instance.
  if (panicMessage !== undefined) {
    return Promise.reject(
      new Error(`The Prisma schema engine panicked earlier in this process: ${panicMessage}`),
    );
  }
  loading ??= instantiate().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * A Rust panic traps inside a callback, so the engine call in progress never settles; the panic
 * message goes to a registry the bindings expect on globalThis. This calls `listener` with it.
 */
export function onPanic(listener: (message: string) => void): () => void {
  panicListeners.add(listener);
  return () => panicListeners.delete(listener);
}

// The package entry imports the .wasm file as an ES module, which Node 20 only allows with
// --experimental-wasm-modules; wiring the wasm-bindgen glue to the instance by hand needs no flag.
async function instantiate(): Promise<SchemaEngineBindings> {
  Object.assign(globalThis, { PRISMA_WASM_PANIC_REGISTRY: { set_message: reportPanic } });
  const bindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const wasmFile = path.join(path.dirname(require.resolve(BINDINGS_MODULE)), 'schema_engine_bg.wasm');
  const { WebAssembly } = globalThis as unknown as { WebAssembly: WasmRuntime };
  const { instance } = await WebAssembly.instantiate(await readFile(wasmFile), {
    './schema_engine_bg.js': withUnrefTimers(bindings),
  });
  bindings.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return bindings;
}

function reportPanic(message: string): void {
  panicMessage = message;
  process.stderr.write(`The Prisma schema engine panicked: ${message}\n`);
  for (const listener of panicListeners) listener(message);
}

// The engine arms timeouts (e.g. 10 s around its own advisory lock) that it never clears; left
// referenced they keep a finished CLI or worker alive until they fire.
function withUnrefTimers(bindings: SchemaEngineBindings): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...bindings };
  for (const [name, value] of Object.entries(imports)) {
    if (!name.startsWith('__wbg_setTimeout_')) continue;
    const setTimer = value as (callback: unknown, delayMs: number) => NodeJS.Timeout;
    imports[name] = (callback: unknown, delayMs: number) => setTimer(callback, delayMs).unref();
  }
  return imports;
}
