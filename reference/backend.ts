/**
 * Chooses the TensorFlow.js backend the references run on, once per process.
 *
 * Order: 'node-gpu' (@tensorflow/tfjs-node-gpu, CUDA), 'node' (@tensorflow/tfjs-node,
 * native CPU), 'wasm', 'cpu' (pure JavaScript); the first that starts wins. The native
 * packages download a library at install time, so they exist only where an image installed
 * them (the GPU worker): they are imported by a computed name, so building and running
 * without them works. `requestTensorBackend(name)` (config.tensorBackend, from
 * AUTOGRADER_TENSOR_BACKEND) forces one; if that one cannot start, initialisation fails
 * rather than quietly grading on another backend.
 *
 * Whatever the backend, the references compute in float32: TensorFlow.js has no float64.
 */
import * as tf from '@tensorflow/tfjs';
import { TENSOR_BACKENDS, type TensorBackend } from './backend-names.js';
import { TensorBackendError } from './errors.js';

export { TENSOR_BACKENDS, type TensorBackend };

export const TENSOR_BACKEND_ENV = 'AUTOGRADER_TENSOR_BACKEND';

/** A backend tried before the one chosen, and why it was passed over. */
export interface SkippedTensorBackend {
  backend: TensorBackend;
  reason: string;
}

interface Candidate {
  /** Loads the code that registers the backend with TensorFlow.js. */
  load(): Promise<void>;
  /** The name TensorFlow.js registers it under. */
  registeredAs: string;
}

const CANDIDATES: Record<TensorBackend, Candidate> = {
  'node-gpu': { load: () => importInstalled('@tensorflow/tfjs-node-gpu'), registeredAs: 'tensorflow' },
  node: { load: () => importInstalled('@tensorflow/tfjs-node'), registeredAs: 'tensorflow' },
  wasm: { load: async () => void (await import('@tensorflow/tfjs-backend-wasm')), registeredAs: 'wasm' },
  cpu: { load: async () => undefined, registeredAs: 'cpu' },
};

let requested: TensorBackend | 'auto' = 'auto';
let selection: Promise<TensorBackend> | undefined;
let chosen: TensorBackend | undefined;
let skipped: SkippedTensorBackend[] = [];

/**
 * Which backend initTensorBackend starts: one by name, or 'auto' (the first that starts).
 * Call it before initTensorBackend; once a backend is chosen it stays for the process.
 */
export function requestTensorBackend(name: TensorBackend | 'auto'): void {
  if (chosen !== undefined && name !== 'auto' && name !== chosen) {
    throw new TensorBackendError(
      'usage',
      'TENSOR_BACKEND_ALREADY_CHOSEN',
      `the ${chosen} tensor backend is already running; ${TENSOR_BACKEND_ENV}=${name} must be set before the first grading`,
    );
  }
  requested = name;
}

/**
 * Starts the tensor backend and returns its name ('node-gpu' | 'node' | 'wasm' | 'cpu').
 * Idempotent: later and concurrent calls share the first call's result. A failed
 * initialisation is not cached, so it can be retried.
 */
export function initTensorBackend(): Promise<TensorBackend> {
  selection ??= selectBackend().then(
    (name) => {
      chosen = name;
      return name;
    },
    (error: unknown) => {
      selection = undefined;
      throw error;
    },
  );
  return selection;
}

/** The backend initTensorBackend chose; throws if it has not finished. */
export function tensorBackendName(): TensorBackend {
  if (chosen === undefined) {
    throw new TensorBackendError(
      'platform',
      'TENSOR_BACKEND_NOT_INITIALISED',
      'the tensor backend is not initialised: await initTensorBackend() at start-up first',
    );
  }
  return chosen;
}

/** Backends tried before the chosen one and why each was passed over (for the start-up log). */
export function skippedTensorBackends(): readonly SkippedTensorBackend[] {
  return skipped;
}

async function selectBackend(): Promise<TensorBackend> {
  const forced = forcedBackend();
  if (forced !== undefined) {
    const failure = await tryStart(forced);
    if (failure !== undefined) {
      throw new TensorBackendError(
        'platform',
        'TENSOR_BACKEND_UNAVAILABLE',
        `${TENSOR_BACKEND_ENV}=${forced} asks for the ${forced} tensor backend, which ${failure}; unset it to fall back automatically`,
      );
    }
    skipped = [];
    return forced;
  }
  const passedOver: SkippedTensorBackend[] = [];
  for (const backend of TENSOR_BACKENDS) {
    const failure = await tryStart(backend);
    if (failure === undefined) {
      skipped = passedOver;
      return backend;
    }
    passedOver.push({ backend, reason: failure });
  }
  throw new TensorBackendError(
    'platform',
    'TENSOR_BACKEND_UNAVAILABLE',
    `no tensor backend could start: ${passedOver.map((s) => `${s.backend} ${s.reason}`).join('; ')}`,
  );
}

function forcedBackend(): TensorBackend | undefined {
  return requested === 'auto' ? undefined : requested;
}

/** Starts one backend; returns why it could not, or undefined on success. */
async function tryStart(backend: TensorBackend): Promise<string | undefined> {
  const candidate = CANDIDATES[backend];
  try {
    await candidate.load();
  } catch (error) {
    return describeLoadFailure(error);
  }
  if (tf.findBackendFactory(candidate.registeredAs) === null) {
    return (
      `loaded but did not register '${candidate.registeredAs}' with this copy of @tensorflow/tfjs ` +
      '(two versions installed?); install it at the same version as @tensorflow/tfjs'
    );
  }
  let started: boolean;
  try {
    started = await tf.setBackend(candidate.registeredAs);
    await tf.ready();
  } catch (error) {
    return `failed to start: ${error instanceof Error ? error.message : String(error)}`;
  }
  // TensorFlow.js reports why on stderr (console.warn) and returns false.
  if (!started) return 'failed to start (TensorFlow.js printed the reason on stderr)';
  return smokeTest();
}

/**
 * One small computation on the started backend: a backend can start and still fail on its
 * first kernel (tfjs-node 4.22 on Node >= 23 does), and grading must not find out later.
 */
function smokeTest(): string | undefined {
  try {
    const value = tf.tidy(() => tf.softmax(tf.tensor1d([0, Math.log(3)])).dataSync()[1]);
    return value !== undefined && Math.abs(value - 0.75) < 1e-6 ? undefined : `computed softmax wrongly (${value})`;
  } catch (error) {
    return `failed its first computation: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Imports an optional package; its name is computed so nothing requires it to be installed. */
async function importInstalled(specifier: string): Promise<void> {
  await import(specifier);
}

function describeLoadFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return `is not installed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
  return `failed to load: ${error instanceof Error ? error.message : String(error)}`;
}
