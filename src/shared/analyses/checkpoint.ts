/** Params/results of the checkpoint viewer ("Open With → Depth Lens"): tensor table, layer chain, norms. */
import type { WireDiagnostic } from './overview';

/** One tensor of the checkpoint, before its norm is known. */
export interface CheckpointTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** bytes in the file */
  readonly bytes: number;
  /** where its bytes are ("bytes 128–640", "archive member m/data/3") */
  readonly where: string;
  /** why it cannot be read, when it cannot (e.g. a float8 dtype) */
  readonly unreadable?: string;
}

/** One step of the layer chain Depth Lens reads from the file (residual blocks hold their branch). */
export interface ChainStep {
  /** dense and residual steps of dense networks; the others (and residual blocks of convs) of conv networks */
  readonly kind: 'dense' | 'residual' | 'conv2d' | 'affine2d' | 'maxpool2d' | 'avgpool2d' | 'flatten';
  /** the node or module it came from */
  readonly node: string;
  /** out×in for dense steps, "m→h→m" for blocks */
  readonly shape: string;
  readonly activation: 'relu' | 'linear';
  /** the tensors it reads (dense), with "ᵀ" for transposed ones */
  readonly tensors?: string;
  readonly branch?: readonly ChainStep[];
  /** conv networks: the step's label in `depth-lens info` ("3", "3.1", "3.s"), which ChainNorm entries refer to */
  readonly label?: string;
  /** conv networks: the step's input [C, H, W] ("64×56×56") */
  readonly input?: string;
  /** conv networks: kernel, stride, padding … ("64×64×3×3, stride 1, pad 1") */
  readonly detail?: string;
  /** conv networks: the shortcut's step (a projection), when the block has one */
  readonly shortcut?: ChainStep;
}

/** An operator norm of a conv network's step, computed after the tensor norms (streamed with them). */
export interface ChainNorm {
  readonly label: string;
  /** ‖W‖₂ on the step's input; for residual blocks Π_k ‖W^(n,k)‖₂ over the branch */
  readonly norm: number;
  /** ‖W − I‖₂ when the conv maps its input space to itself */
  readonly minusIdentity?: number;
}

export interface CheckpointResult {
  /** e.g. "safetensors", "PyTorch checkpoint" */
  readonly formatName: string;
  readonly file: string;
  readonly bytes: number;
  readonly metadata: readonly (readonly [string, string])[];
  readonly tensors: readonly CheckpointTensor[];
  /** the network Depth Lens reads, when it reads one */
  readonly chain?: readonly ChainStep[];
  readonly network?: { readonly inputDim: number; readonly outputDim: number; readonly depth: number; readonly parameterCount: number };
  /** a convolutional network: its input and output shapes (the chain lists its layers; of the analysis panels, Activations and Convergence read it) */
  readonly convNetwork?: { readonly inputShape: readonly number[]; readonly outputShape: readonly number[]; readonly layers: number; readonly residualBlocks: number; readonly parameterCount: number };
  /** the file's problems and notes (errors say why there is no chain or no table) */
  readonly diagnostics: readonly WireDiagnostic[];
}

export interface TensorNormEntry {
  /** index into CheckpointResult.tensors */
  readonly index: number;
  /** ‖·‖₂ (spectral norm of matrices, Euclidean of vectors); absent when the tensor could not be read */
  readonly norm?: number;
  readonly error?: string;
}

/** Partial results of tensorNorms stream these; the final result has them all. */
export interface TensorNormsResult {
  readonly norms: readonly TensorNormEntry[];
  /** conv networks: each conv's and each block's operator norms, after the tensors' */
  readonly chainNorms?: readonly ChainNorm[];
}

export interface NetworkFileParams {
  /** how the network file names the checkpoint (relative to where it is written, '/'-separated) */
  readonly file: string;
}
