/**
 * Tensor references in network files: a layer's "weights" or "bias" may name a tensor of a checkpoint
 * beside the network file,
 *   {"file": "model.safetensors", "tensor": "layers.3.weight", "transpose": true, "scale": 0.5}
 * (safetensors and their sharded index, PyTorch .pt/.pth, NumPy .npz/.npy, ONNX). The checkpoint's
 * index is read once per parse; each tensor is read alone, by byte range. Paths follow the rules of
 * every external file (external.ts): inside the network file's folder, regular files, checked on the
 * opened file. Every problem is a diagnostic on the reference's own node.
 */
import type { Node } from 'jsonc-parser';
import type { DenseMatrix } from '../linalg/dense';
import type { EntryContext } from '../network/entry';
import { checkRelativePath, examineExternal, type ExternalFiles } from '../network/external';
import { closest } from '../network/json';
import { readTensor, type ModelIndex } from './model';
import { LIMITS } from '../network/limits';
import { tensorMatrix } from './network';
import { MODEL_FILE_PATTERNS, modelFormatOf, readModel } from './open';
import { FormatError, printableName, type ByteSource, type SiblingFiles } from './source';

const REFERENCE_FIELDS = ['file', 'tensor', 'transpose', 'scale'] as const;

/** The checkpoint's byte source and its siblings, through the document's external files. */
export function externalSource(files: ExternalFiles, path: string, size: number): ByteSource {
  return { name: path, size, read: (offset, length) => files.readUncached(path, offset, length) };
}

export function externalSiblings(files: ExternalFiles, modelPath: string): SiblingFiles {
  const dir = modelPath.includes('/') ? modelPath.slice(0, modelPath.lastIndexOf('/') + 1) : '';
  return {
    open(relative) {
      const checked = checkRelativePath(dir + relative);
      if (!checked.ok) throw new FormatError('external-outside', `${modelPath} refers to "${printableName(relative)}", which is refused: the path ${checked.reason}`);
      const s = files.stat(checked.path);
      switch (s.kind) {
        case 'file': return externalSource(files, checked.path, s.size);
        case 'missing': throw new FormatError('external-missing', `${modelPath} refers to "${printableName(relative)}", which does not exist`);
        case 'outside': throw new FormatError('external-outside', `${modelPath} refers to "${printableName(relative)}", a symbolic link to ${s.target}, outside the network file's folder`);
        case 'not-file': throw new FormatError('external-not-file', `${modelPath} refers to "${printableName(relative)}", which is ${s.what}`);
        case 'unreadable': throw new FormatError('external-unreadable', `${modelPath} refers to "${printableName(relative)}", which cannot be read: ${s.message}`);
      }
    },
  };
}

/** The checkpoint's index, read once per parse (a failure is remembered too). */
function modelIndex(files: ExternalFiles, path: string, size: number): ModelIndex | FormatError {
  const cached = files.models.get(path);
  if (cached) return 'failed' in cached ? cached.failed : cached;
  const format = modelFormatOf(path)!;
  try {
    const index = readModel(format, externalSource(files, path, size), externalSiblings(files, path));
    files.models.set(path, index);
    return index;
  } catch (e) {
    const err = e instanceof FormatError ? e : new FormatError('model-corrupt', `${path} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    files.models.set(path, { failed: err });
    return err;
  }
}

/**
 * Read `{"file", "tensor", "transpose"?, "scale"?}` as a matrix [out, in] (rank 2) or a vector
 * (rank 1, as n×1). Reports every problem on its node and returns undefined.
 */
export function readTensorReference(node: Node, ctx: EntryContext, what: string, rank: 1 | 2 | 4): (DenseMatrix & { readonly shape?: readonly number[] }) | undefined {
  const { reader } = ctx;
  const sink = reader.sink;
  const label = `${what} (tensor reference)`;
  const f = reader.fields(node, label, REFERENCE_FIELDS);
  const fileNode = reader.require(f, 'file', node, label);
  const tensorNode = f.get('tensor');
  const file = fileNode && reader.string(fileNode, `${what} file`);
  const tensor = tensorNode ? reader.string(tensorNode, `${what} tensor`) : undefined;
  const transposeNode = f.get('transpose');
  let transpose = false;
  if (transposeNode) {
    if (transposeNode.type !== 'boolean') sink.error('wrong-type', transposeNode, `${what} "transpose" must be true or false`);
    else transpose = transposeNode.value === true;
    if (rank !== 2 && transpose) sink.error('invalid-value', transposeNode, `${what}: "transpose" applies to weight matrices, not to ${rank === 1 ? 'a bias' : 'a conv kernel'}`);
  }
  const scaleNode = f.get('scale');
  const scale = scaleNode ? reader.number(scaleNode, `${what} "scale"`) : 1;
  if (file === undefined || !fileNode || scale === undefined || (tensorNode && tensor === undefined)) return undefined;
  const format = modelFormatOf(file);
  if (!format) {
    sink.error('invalid-value', fileNode, `${what}: "${file}" is not a checkpoint; a tensor reference names a ${MODEL_FILE_PATTERNS.map((p) => p.suffix).join(', ')} file (raw weights take "dtype" and "shape" instead of "tensor")`);
    return undefined;
  }
  const found = examineExternal(ctx, fileNode, file, `${what}: checkpoint "${file}"`, 'the network file\'s folder',
    `${what} refers to checkpoint "${file}", but files beside the network file cannot be read here (save the network file to disk and open it from there)`);
  if (!found) return undefined;
  const index = modelIndex(ctx.files, found.path, found.size);
  if (index instanceof FormatError) {
    sink.error(index.code, fileNode, `${what}: ${index.message}`);
    return undefined;
  }
  let name = tensor;
  if (name === undefined) {
    if (index.tensors.length !== 1) {
      sink.error('missing-field', node, `${what}: "${file}" holds ${index.tensors.length} tensors; say which one with "tensor"`);
      return undefined;
    }
    name = index.tensors[0].name;
  }
  if (!index.byName.has(name) && !index.unreadable?.has(name)) {
    const names = index.tensors.map((t) => t.name);
    const near = closest(name, names);
    sink.error('tensor-missing', tensorNode ?? node, `${what}: "${file}" has no tensor "${printableName(name)}"${near !== undefined ? ` (did you mean "${printableName(near)}"?)` : ''}; it has ${names.length} tensor${names.length === 1 ? '' : 's'}`);
    return undefined;
  }
  try {
    if (rank === 4) return convKernel(index, name, scale, what);
    return tensorMatrix(index, name, rank, transpose, scale, what);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    const at = e.code === 'tensor-shape' || e.code === 'tensor-dtype' ? tensorNode ?? node : fileNode;
    sink.error(e.code === 'model-corrupt' && /must be finite/.test(e.message) ? 'non-finite-number' : e.code, at, e.message);
    return undefined;
  }
}

/** A stored [out, in/groups, kh, kw] tensor as out rows of in/groups·kh·kw numbers, scaled, finite-checked. */
function convKernel(index: ModelIndex, name: string, scale: number, what: string): DenseMatrix & { readonly shape: readonly number[] } {
  const t = index.byName.get(name);
  if (!t) {
    const why = index.unreadable?.get(name);
    throw new FormatError(why ? 'tensor-dtype' : 'tensor-missing', `${what}: tensor "${printableName(name)}" of ${index.file} ${why ? `cannot be read: ${why}` : 'is missing'}`);
  }
  if (t.shape.length !== 4) throw new FormatError('tensor-shape', `${what}: tensor "${printableName(name)}" of ${index.file} has shape [${t.shape.join(', ')}]; a conv kernel is [out, in/groups, kh, kw]`);
  if (t.count > LIMITS.maxLayerParameters) throw new FormatError('model-too-large', `${what}: tensor "${printableName(name)}" of ${index.file} has ${t.count} values, above the per-layer limit of ${LIMITS.maxLayerParameters}`);
  const data = readTensor(index, t);
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= scale;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new FormatError('model-corrupt', `${what}: tensor "${printableName(name)}" of ${index.file} holds ${data[i]} at value ${i + 1}; weights must be finite`);
  }
  const [o, i, kh, kw] = t.shape;
  return { rows: o, cols: i * kh * kw, data, shape: t.shape };
}
