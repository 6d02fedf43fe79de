/**
 * The TensorFlow.js backends the references can run on, in the order they are tried. Apart
 * from backend.ts so that configuration can name them without loading TensorFlow.js.
 */
export const TENSOR_BACKENDS = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type TensorBackend = (typeof TENSOR_BACKENDS)[number];
