import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type SchemaEngineBindings = typeof import('@prisma/schema-engine-wasm/schema_engine_bg', {
  with: { 'resolution-mode': 'import' },
});

interface WasmInstance {
  exports: Record<string, unknown> & { __wbindgen_start(): void };
}
interface WasmRuntime {
  instantiate(bytes: Uint8Array, imports: Record<string, object>): Promise<{ instance: WasmInstance }>;
}

const BINDINGS_MODULE = '@prisma/schema-engine-wasm/schema_engine_bg';

let loading: Promise<SchemaEngineBindings> | undefined;
let panicMessage: string | undefined;

export function loadSchemaEngine(): Promise<SchemaEngineBindings> {
  loading ??= instantiate().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * A Rust panic surfaces as a bare WebAssembly RuntimeError ("unreachable") while the message goes to
 * a registry the bindings expect on globalThis. This gives the error that message and drops the
 * instance, whose memory a panic leaves in an undefined state.
 */
export function explainPanic(error: unknown): unknown {
  if (!(error instanceof Error && error.name === 'RuntimeError' && panicMessage !== undefined)) return error;
  loading = undefined;
  const explained = new Error(`The schema engine panicked: ${panicMessage}`, { cause: error });
  panicMessage = undefined;
  return explained;
}

// The package entry imports the .wasm file as an ES module, which Node 20 only allows with
// --experimental-wasm-modules; wiring the wasm-bindgen glue to the instance by hand needs no flag.
async function instantiate(): Promise<SchemaEngineBindings> {
  Object.assign(globalThis, {
    PRISMA_WASM_PANIC_REGISTRY: {
      set_message: (message: string) => ((panicMessage = message), console.error('PANIC', message)),
    },
  });
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
