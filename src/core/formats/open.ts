/** Which reader a file goes to (by its name), and the one entry point that reads a checkpoint's index. */
import type { ModelFormat, ModelIndex } from './model';
import { readNpy, readNpz } from './npy';
import { readOnnx } from './onnx';
import { readPytorch } from './pytorch';
import { readSafetensors, readSafetensorsIndex } from './safetensors';
import type { ByteSource, SiblingFiles } from './source';

/** File name endings of the checkpoints Depth Lens opens (the custom editor and the CLI use the same list). */
export const MODEL_FILE_PATTERNS: readonly { readonly suffix: string; readonly format: ModelFormat }[] = [
  { suffix: '.safetensors.index.json', format: 'safetensors-index' },
  { suffix: '.safetensors', format: 'safetensors' },
  { suffix: '.pt', format: 'pytorch' },
  { suffix: '.pth', format: 'pytorch' },
  { suffix: '.npz', format: 'npz' },
  { suffix: '.npy', format: 'npy' },
  { suffix: '.onnx', format: 'onnx' },
];

/** The format a file name says, or undefined for anything else (network JSON, raw .bin weights …). */
export function modelFormatOf(fileName: string): ModelFormat | undefined {
  const lower = fileName.toLowerCase();
  return MODEL_FILE_PATTERNS.find((p) => lower.endsWith(p.suffix))?.format;
}

/** The stem of a name without its model suffix ("mlp.safetensors" → "mlp"). */
export function modelStem(fileName: string): string {
  const lower = fileName.toLowerCase();
  const p = MODEL_FILE_PATTERNS.find((q) => lower.endsWith(q.suffix));
  return p ? fileName.slice(0, fileName.length - p.suffix.length) : fileName;
}

/** Read a checkpoint's index (headers, directory, pickle, graph): tensors are not read. Throws FormatError. */
export function readModel(format: ModelFormat, source: ByteSource, siblings: SiblingFiles): ModelIndex {
  switch (format) {
    case 'safetensors': return readSafetensors(source);
    case 'safetensors-index': return readSafetensorsIndex(source, siblings);
    case 'pytorch': return readPytorch(source);
    case 'npz': return readNpz(source);
    case 'npy': return readNpy(source, modelStem(source.name.slice(source.name.lastIndexOf('/') + 1)));
    case 'onnx': return readOnnx(source, siblings);
  }
}
