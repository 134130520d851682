/**
 * Convolution, pooling and BatchNorm folding against PyTorch (test/fixtures/conv/cases.json, written by
 * scripts/make-conv-fixtures.py), the adjoint identity, and the operator norms: Lanczos and power
 * iteration against the dense matrix's exact values and torch's own power iteration, the FFT spectrum
 * of circular convolutions, and the closed-form 1 / ∞ / Frobenius norms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Conv2d, setConvAlgorithm, type PaddingMode } from '../../src/core/conv/conv2d';
import { foldBatchNorm } from '../../src/core/conv/batchnorm';
import { hashUniform, tensorSeed } from '../../src/core/conv/hashInit';
import { circularSingularValues, circularSpectralNorm, convClosedFormNorms, convMinusIdentityNorm, convSpectralNorm, isCircularOnTorus } from '../../src/core/conv/norms';
import { avgPoolOperator, conv2dOperator, maxPoolPatternOperator } from '../../src/core/conv/operators';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../src/core/conv/pool';
import { setWasmKernelsEnabled } from '../../src/core/kernels/wasm';
import { WinogradKernel } from '../../src/core/conv/winograd';
import { composeOperators, denseOperator, materialize, operatorPowerIteration, operatorSpectralNorm, shiftedOperator } from '../../src/core/linalg/operator';
import { svdSpectralNorm } from '../../src/core/linalg/norms';
import { Rng } from '../../src/core/rng';
import { assertClose, assertNear, hashTensors, readJson, size, type NormRecord, type TensorRecord } from './conv-fixtures';

interface ConvCase {
  name: string; inChannels: number; outChannels: number; kernelSize: [number, number]; stride: [number, number];
  padding: [number, number]; dilation: [number, number]; groups: number; bias: boolean; paddingMode: PaddingMode;
  height: number; width: number; seed: number; tensors: TensorRecord[]; input: number[]; output: number[];
  outShape: number[]; adjointInput: number[]; adjointAutograd: number[]; adjointConvTranspose?: number[]; norms: NormRecord;
}
interface BnCase {
  inChannels: number; outChannels: number; bias: boolean; eps: number; height: number; width: number; seed: number;
  tensors: TensorRecord[]; input: number[]; output: number[]; fusedWeight: number[]; fusedBias: number[];
}
interface PoolCase {
  name: string; kind: 'max' | 'avg' | 'adaptiveavg'; kernelSize: number; stride: number; padding: number; dilation: number;
  ceilMode: boolean; countIncludePad: boolean; outputSize: [number, number]; channels: number; height: number; width: number;
  input: number[]; output: number[]; outShape: number[]; indices?: number[];
}

const cases = readJson<{ conv: ConvCase[]; batchnorm: BnCase[]; pool: PoolCase[] }>('cases.json');

function convOf(c: ConvCase): Conv2d {
  const t = hashTensors(c.seed, c.tensors);
  return new Conv2d({
    inChannels: c.inChannels, outChannels: c.outChannels, kernelSize: c.kernelSize, stride: c.stride, padding: c.padding,
    dilation: c.dilation, groups: c.groups, paddingMode: c.paddingMode, weight: t.get('weight')!.data, bias: t.get('bias')?.data, name: c.name,
  });
}

/** The start vector of the fixture's power iteration (hash uniform, C×H×W order). */
function startVector(seed: number, n: number): Float64Array {
  return hashUniform(tensorSeed(seed, 0), n, 0, 1);
}

test('conv2d forward matches torch on every case (strides, dilation, groups, bias, zero and circular padding)', () => {
  for (const c of cases.conv) {
    const conv = convOf(c);
    assert.deepEqual([2, conv.outChannels, ...conv.outputSize(c.height, c.width)], c.outShape, c.name);
    assertClose(conv.forward(Float64Array.from(c.input), 2, c.height, c.width), c.output, 1e-13, `${c.name} forward`);
  }
});

test('the adjoint matches torch: conv_transpose2d (zero padding) and autograd’s vector–Jacobian product (every case)', () => {
  for (const c of cases.conv) {
    const conv = convOf(c);
    const x = conv.adjoint(Float64Array.from(c.adjointInput), 2, c.height, c.width);
    assertClose(x, c.adjointAutograd, 1e-13, `${c.name} adjoint vs autograd`);
    if (c.adjointConvTranspose) assertClose(x, c.adjointConvTranspose, 1e-13, `${c.name} adjoint vs conv_transpose2d`);
  }
});

test('the scalar path computes the same numbers as the WebAssembly GEMM, bit for bit', () => {
  for (const c of cases.conv) {
    const conv = convOf(c);
    const x = Float64Array.from(c.input), y = Float64Array.from(c.adjointInput);
    const fast = [conv.forward(x, 2, c.height, c.width), conv.adjoint(y, 2, c.height, c.width)];
    setWasmKernelsEnabled(false);
    try {
      const conv2 = convOf(c);
      assert.deepEqual(conv2.forward(x, 2, c.height, c.width), fast[0], c.name);
      assert.deepEqual(conv2.adjoint(y, 2, c.height, c.width), fast[1], c.name);
    } finally {
      setWasmKernelsEnabled(true);
    }
  }
});

test('‖W‖₂ by Lanczos equals the exact norm of torch’s dense matrix to 1e-12 on every case', () => {
  for (const c of cases.conv) {
    const r = convSpectralNorm(convOf(c), c.height, c.width, { method: 'lanczos' });
    assert.ok(r.converged, c.name);
    assertNear(r.value, c.norms.dense!.two, 1e-12, `${c.name} ‖W‖₂`);
  }
});

test('the power iteration from torch’s start vector gives torch’s number after torch’s iteration count', () => {
  for (const c of cases.conv) {
    const conv = convOf(c);
    const p = c.norms.power;
    const r = convSpectralNorm(conv, c.height, c.width, { method: 'power', iterations: p.iterations, start: startVector(p.startSeed, size(c.norms.inShape)) });
    assertNear(r.value, p.value, 1e-12, `${c.name} power iteration (${p.iterations} iterations)`);
    // and torch's value is within 1e-9 of the exact norm, or inside the top pair [σ₂, σ₁] when they are closer than 1e-4
    assert.ok(p.relativeError! <= Math.max(1e-9, p.gapTop2! < 1e-4 ? p.gapTop2! : 0), `${c.name}: torch's power iteration ${p.relativeError} from exact`);
  }
});

test('‖W − I‖₂ (Lanczos, and FFT for circular) equals the dense value where the conv maps a space to itself', () => {
  let checked = 0;
  for (const c of cases.conv) {
    if (!c.norms.minusIdentity) continue;
    const conv = convOf(c);
    assertNear(convMinusIdentityNorm(conv, c.height, c.width, { method: 'lanczos' }).value, c.norms.minusIdentity.dense!.two, 1e-12, `${c.name} ‖W − I‖₂`);
    if (isCircularOnTorus(conv, c.height, c.width)) {
      assertNear(convMinusIdentityNorm(conv, c.height, c.width).value, c.norms.minusIdentity.dense!.two, 1e-12, `${c.name} ‖W − I‖₂ by FFT`);
    }
    checked++;
  }
  assert.ok(checked >= 4, `${checked} square cases`);
  const notSquare = convOf(cases.conv.find((c) => c.name === '3x3 stride2 pad1')!);
  assert.throws(() => convMinusIdentityNorm(notSquare, 9, 8), { message: '3x3 stride2 pad1: W − I needs the output shape to equal the input shape; it maps 4×9×8 to 6×5×4' });
});

test('circular padding: the FFT spectrum is torch’s dense spectrum (Sedghi–Gupta–Long, strided by polyphase)', () => {
  let checked = 0;
  for (const c of cases.conv) {
    if (c.paddingMode !== 'circular') continue;
    const conv = convOf(c);
    assert.ok(isCircularOnTorus(conv, c.height, c.width), c.name);
    assertNear(circularSpectralNorm(conv, c.height, c.width), c.norms.dense!.two, 1e-13, `${c.name} FFT ‖W‖₂`);
    const sv = circularSingularValues(conv, c.height, c.width);
    const dense = c.norms.dense!.singularValues!;
    assert.equal(sv.length, dense.length, c.name);
    // absolute error relative to σ_max: small singular values carry absolute, not relative, accuracy
    for (let i = 0; i < sv.length; i++) assert.ok(Math.abs(sv[i] - dense[i]) <= 1e-13 * dense[0], `${c.name}: σ_${i} ${sv[i]} vs ${dense[i]}`);
    checked++;
  }
  assert.equal(checked, 6);
});

test('the FFT refuses what is not a convolution on the torus, saying why', () => {
  const zeros = convOf(cases.conv[0]);
  assert.throws(() => circularSpectralNorm(zeros, 7, 6), { message: '3x3 pad1 bias, rectangular image: the FFT spectrum needs circular padding (this conv pads with zeros)' });
  const valid = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, paddingMode: 'circular', weight: new Float64Array(9).fill(1), name: 'valid' });
  assert.throws(() => circularSpectralNorm(valid, 6, 6), /valid: not a convolution on the 6×6 torus: the output is 4×4, not 6\/1 × 6\/1/);
});

test('closed-form 1, ∞ and Frobenius norms equal torch’s dense matrix exactly (boundaries, strides, wrap-around)', () => {
  for (const c of cases.conv) {
    const conv = convOf(c);
    const n = convClosedFormNorms(conv, c.height, c.width);
    assertNear(n.one, c.norms.dense!.one, 1e-14, `${c.name} ‖W‖₁`);
    assertNear(n.inf, c.norms.dense!.inf, 1e-14, `${c.name} ‖W‖∞`);
    assertNear(n.fro, c.norms.dense!.fro, 1e-13, `${c.name} ‖W‖_F`);
    if (c.norms.minusIdentity) {
      const m = convClosedFormNorms(conv, c.height, c.width, 1);
      assertNear(m.one, c.norms.minusIdentity.dense!.one, 1e-14, `${c.name} ‖W − I‖₁`);
      assertNear(m.inf, c.norms.minusIdentity.dense!.inf, 1e-14, `${c.name} ‖W − I‖∞`);
      assertNear(m.fro, c.norms.minusIdentity.dense!.fro, 1e-13, `${c.name} ‖W − I‖_F`);
    }
  }
});

// ---------------------------------------------------------------- properties over random shapes

const convArb = fc.record({
  groups: fc.integer({ min: 1, max: 3 }),
  inPer: fc.integer({ min: 1, max: 3 }),
  outPer: fc.integer({ min: 1, max: 3 }),
  kh: fc.integer({ min: 1, max: 4 }),
  kw: fc.integer({ min: 1, max: 4 }),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.integer({ min: 1, max: 3 }),
  dh: fc.integer({ min: 1, max: 2 }),
  dw: fc.integer({ min: 1, max: 2 }),
  ph: fc.integer({ min: 0, max: 3 }),
  pw: fc.integer({ min: 0, max: 3 }),
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
  circular: fc.boolean(),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

type ConvSpec = typeof convArb extends fc.Arbitrary<infer T> ? T : never;

function randomConv(s: ConvSpec): { conv: Conv2d; h: number; w: number } | undefined {
  const inC = s.groups * s.inPer, outC = s.groups * s.outPer;
  const h = s.h, w = s.w;
  if (h + 2 * s.ph - s.dh * (s.kh - 1) - 1 < 0 || w + 2 * s.pw - s.dw * (s.kw - 1) - 1 < 0) return undefined;
  if (s.circular && (s.ph > h || s.pw > w)) return undefined;
  const rng = new Rng(s.seed);
  const conv = new Conv2d({
    inChannels: inC, outChannels: outC, kernelSize: [s.kh, s.kw], stride: [s.sh, s.sw], padding: [s.ph, s.pw], dilation: [s.dh, s.dw],
    groups: s.groups, paddingMode: s.circular ? 'circular' : 'zeros', weight: rng.fillGaussian(new Float64Array(outC * s.inPer * s.kh * s.kw)),
    bias: s.bias ? rng.fillGaussian(new Float64Array(outC)) : undefined,
  });
  return { conv, h, w };
}

test('adjoint identity ⟨W x, y⟩ = ⟨x, Wᵀ y⟩ for random shapes, strides, dilations, groups and padding modes', () => {
  fc.assert(fc.property(convArb, (s) => {
    const r = randomConv(s);
    if (!r) return;
    const { conv, h, w } = r;
    const op = conv2dOperator(conv, h, w);
    const rng = new Rng(s.seed ^ 0x9e37);
    const x = rng.fillGaussian(new Float64Array(op.inSize)), y = rng.fillGaussian(new Float64Array(op.outSize));
    const wx = op.apply(x), wty = op.applyTranspose(y);
    let a = 0, b = 0, scale = 0;
    for (let i = 0; i < y.length; i++) { a += wx[i] * y[i]; scale += Math.abs(wx[i] * y[i]); }
    for (let i = 0; i < x.length; i++) { b += x[i] * wty[i]; scale += Math.abs(x[i] * wty[i]); }
    assert.ok(Math.abs(a - b) <= 1e-13 * scale, `⟨Wx, y⟩ = ${a}, ⟨x, Wᵀy⟩ = ${b}`);
  }), { seed: 14, numRuns: 300 });
});

test('closed-form norms and Lanczos equal the materialized matrix’s norms for random convolutions', () => {
  fc.assert(fc.property(convArb, (s) => {
    const r = randomConv(s);
    if (!r) return;
    const { conv, h, w } = r;
    const m = materialize(conv2dOperator(conv, h, w));
    let one = 0, inf = 0, fro = 0;
    const col = new Float64Array(m.cols);
    for (let i = 0; i < m.rows; i++) {
      let row = 0;
      for (let j = 0; j < m.cols; j++) { const v = m.data[i * m.cols + j]; row += Math.abs(v); col[j] += Math.abs(v); fro += v * v; }
      inf = Math.max(inf, row);
    }
    for (const v of col) one = Math.max(one, v);
    const n = convClosedFormNorms(conv, h, w);
    assertNear(n.one, one, 1e-13, '‖W‖₁');
    assertNear(n.inf, inf, 1e-13, '‖W‖∞');
    assertNear(n.fro, Math.sqrt(fro), 1e-13, '‖W‖_F');
    assertNear(convSpectralNorm(conv, h, w, { method: 'lanczos' }).value, svdSpectralNorm(m), 1e-10, '‖W‖₂');
  }), { seed: 15, numRuns: 150 });
});

test('FFT and Lanczos agree on ‖W‖₂ and ‖W − I‖₂ of random circular convolutions', () => {
  const arb = fc.record({
    cin: fc.integer({ min: 1, max: 5 }), cout: fc.integer({ min: 1, max: 5 }), k: fc.constantFrom(1, 3, 5), d: fc.integer({ min: 1, max: 2 }),
    s: fc.constantFrom(1, 2), ny: fc.integer({ min: 1, max: 6 }), nx: fc.integer({ min: 1, max: 6 }), groups: fc.constantFrom(1, 2),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
  fc.assert(fc.property(arb, (p) => {
    const cin = p.cin * p.groups, cout = p.cout * p.groups;
    const h = p.ny * p.s, w = p.nx * p.s, pad = (p.d * (p.k - 1)) / 2;
    if (pad > h || pad > w) return;
    const conv = new Conv2d({
      inChannels: cin, outChannels: cout, kernelSize: p.k, stride: p.s, padding: pad, dilation: p.d, groups: p.groups, paddingMode: 'circular',
      weight: new Rng(p.seed).fillGaussian(new Float64Array(cout * p.cin * p.k * p.k)),
    });
    assert.ok(isCircularOnTorus(conv, h, w));
    const fft = convSpectralNorm(conv, h, w, { method: 'fft' }).value;
    const lanczos = convSpectralNorm(conv, h, w, { method: 'lanczos' });
    assertNear(fft, lanczos.value, 1e-10, `‖W‖₂ (Lanczos ${lanczos.steps} steps)`);
    if (cin === cout && p.s === 1) {
      assertNear(convMinusIdentityNorm(conv, h, w, { method: 'fft' }).value, convMinusIdentityNorm(conv, h, w, { method: 'lanczos' }).value, 1e-10, '‖W − I‖₂');
    }
  }), { seed: 16, numRuns: 200 });
});

test('Winograd F(4×4, 3×3) and im2col agree on 3×3 stride-1 convs (forward with bias, adjoint), any padding and size', () => {
  const arb = fc.record({
    cin: fc.integer({ min: 1, max: 9 }), cout: fc.integer({ min: 1, max: 9 }), pad: fc.integer({ min: 0, max: 2 }),
    h: fc.integer({ min: 1, max: 13 }), w: fc.integer({ min: 1, max: 13 }), n: fc.integer({ min: 1, max: 3 }),
    circular: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
  fc.assert(fc.property(arb, (p) => {
    if (p.h + 2 * p.pad < 3 || p.w + 2 * p.pad < 3 || (p.circular && (p.pad > p.h || p.pad > p.w))) return;
    const rng = new Rng(p.seed);
    const make = () => new Conv2d({
      inChannels: p.cin, outChannels: p.cout, kernelSize: 3, padding: p.pad, paddingMode: p.circular ? 'circular' : 'zeros',
      weight: new Rng(p.seed).fillGaussian(new Float64Array(p.cout * p.cin * 9)), bias: new Rng(p.seed + 1).fillGaussian(new Float64Array(p.cout)),
    });
    const conv = make();
    const [ho, wo] = conv.outputSize(p.h, p.w);
    const x = rng.fillGaussian(new Float64Array(p.n * p.cin * p.h * p.w)), y = rng.fillGaussian(new Float64Array(p.n * p.cout * ho * wo));
    const fast = [conv.forward(x, p.n, p.h, p.w), conv.adjoint(y, p.n, p.h, p.w)];
    setConvAlgorithm('im2col');
    try {
      const plain = make();
      assertClose(fast[0], plain.forward(x, p.n, p.h, p.w), 1e-13, 'forward');
      assertClose(fast[1], plain.adjoint(y, p.n, p.h, p.w), 1e-13, 'adjoint');
    } finally {
      setConvAlgorithm('auto');
    }
  }), { seed: 17, numRuns: 200 });
});

test('products for many calls (Winograd on small images and wide layers, W and Wᵀ) agree with im2col and are adjoint', () => {
  // 2–9 tiles and channel products up to 36²: the relaxed limits of Conv2d.products, where a single call takes im2col
  const arb = fc.record({
    cin: fc.integer({ min: 1, max: 36 }), cout: fc.integer({ min: 1, max: 36 }), pad: fc.integer({ min: 0, max: 2 }),
    h: fc.integer({ min: 5, max: 12 }), w: fc.integer({ min: 5, max: 12 }), circular: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
  fc.assert(fc.property(arb, (p) => {
    if (p.circular && p.pad !== 1) return;
    const make = () => new Conv2d({
      inChannels: p.cin, outChannels: p.cout, kernelSize: 3, padding: p.pad, paddingMode: p.circular ? 'circular' : 'zeros',
      weight: new Rng(p.seed).fillGaussian(new Float64Array(p.cout * p.cin * 9)), bias: new Rng(p.seed + 1).fillGaussian(new Float64Array(p.cout)),
    });
    const conv = make();
    const [ho, wo] = conv.outputSize(p.h, p.w);
    const rng = new Rng(p.seed + 2);
    const x = rng.fillGaussian(new Float64Array(p.cin * p.h * p.w)), y = rng.fillGaussian(new Float64Array(p.cout * ho * wo));
    const products = conv.products(p.h, p.w);
    // twice: the second call reuses the kept kernels, and writes into `out`
    const fast = [products.forward(x), products.adjoint(y)];
    const again = [products.forward(x, new Float64Array(y.length)), products.adjoint(y, new Float64Array(x.length))];
    assert.deepEqual(again, fast);
    let dot1 = 0, dot2 = 0, scale = 0;
    for (let i = 0; i < y.length; i++) { dot1 += fast[0][i] * y[i]; scale += Math.abs(fast[0][i] * y[i]); }
    for (let i = 0; i < x.length; i++) dot2 += x[i] * fast[1][i];
    assertNear(dot1, dot2, 1e-12 * scale, 'adjoint identity');
    setConvAlgorithm('im2col');
    try {
      const plain = make();
      assertClose(fast[0], plain.forwardNHWC(x, 1, p.h, p.w, undefined, false), 1e-13, 'forward');
      assertClose(fast[1], plain.adjointNHWC(y, 1, p.h, p.w), 1e-13, 'adjoint');
    } finally {
      setConvAlgorithm('auto');
    }
  }), { seed: 23, numRuns: 150 });
});

test('Winograd kernels: the flipped kernel read in place equals the kernel of the flipped weights, and blocks of 64 input channels join up', () => {
  for (const [cout, cin] of [[6, 70], [70, 6], [5, 129]] as const) {
    const weight = new Rng(cout * 1000 + cin).fillGaussian(new Float64Array(cout * cin * 9));
    const flipped = new Float64Array(weight.length);
    for (let o = 0; o < cout; o++) for (let c = 0; c < cin; c++) for (let t = 0; t < 9; t++) flipped[(c * cout + o) * 9 + 8 - t] = weight[(o * cin + c) * 9 + t];
    assert.deepEqual(new WinogradKernel(weight, cin, cout, true).panels, new WinogradKernel(flipped, cin, cout).panels);
    // through products (kernels made in the wasm memory) against im2col, both directions
    const make = () => new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: 3, padding: 1, weight });
    const rng = new Rng(cin);
    const x = rng.fillGaussian(new Float64Array(cin * 49)), y = rng.fillGaussian(new Float64Array(cout * 49));
    const products = make().products(7, 7);
    const fast = [products.forward(x), products.adjoint(y)];
    setConvAlgorithm('im2col');
    try {
      const plain = make();
      assertClose(fast[0], plain.forwardNHWC(x, 1, 7, 7, undefined, false), 1e-13, 'forward');
      assertClose(fast[1], plain.adjointNHWC(y, 1, 7, 7), 1e-13, 'adjoint');
    } finally {
      setConvAlgorithm('auto');
    }
  }
});

test('the power iteration on a wide conv (512 channels, 7×7) gives the same σ through products as through im2col', () => {
  const conv = new Conv2d({ inChannels: 512, outChannels: 512, kernelSize: 3, padding: 1, weight: hashUniform(tensorSeed(5, 1), 512 * 512 * 9, 0, 0.02) });
  const start = hashUniform(tensorSeed(5, 2), 512 * 49, 0, 1);
  const fast = convSpectralNorm(conv, 7, 7, { method: 'power', iterations: 4, start });
  setConvAlgorithm('im2col');
  try {
    const plain = convSpectralNorm(new Conv2d({ inChannels: 512, outChannels: 512, kernelSize: 3, padding: 1, weight: conv.weight }), 7, 7, { method: 'power', iterations: 4, start });
    assertNear(fast.value, plain.value, 1e-13 * plain.value, 'σ');
  } finally {
    setConvAlgorithm('auto');
  }
});

// ---------------------------------------------------------------- BatchNorm, pooling, operators

test('BatchNorm folded into the conv reproduces torch’s eval-mode conv → BN and fuse_conv_bn_eval’s weights', () => {
  for (const c of cases.batchnorm) {
    const t = hashTensors(c.seed, c.tensors);
    const conv = new Conv2d({ inChannels: c.inChannels, outChannels: c.outChannels, kernelSize: 3, padding: 1, weight: t.get('0.weight')!.data, bias: t.get('0.bias')?.data });
    const folded = foldBatchNorm(conv, {
      weight: t.get('1.weight')!.data, bias: t.get('1.bias')!.data, runningMean: t.get('1.running_mean')!.data, runningVar: t.get('1.running_var')!.data, eps: c.eps,
    });
    assertClose(folded.weight, c.fusedWeight, 1e-15, 'folded weight');
    assertClose(folded.bias!, c.fusedBias, 1e-15, 'folded bias');
    assertClose(folded.forward(Float64Array.from(c.input), 2, c.height, c.width), c.output, 1e-13, `conv(${c.bias ? 'bias' : 'no bias'}) → BN(eps ${c.eps})`);
  }
  const conv = new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 1, weight: [1, 1] });
  assert.throws(() => foldBatchNorm(conv, { runningMean: [0], runningVar: [1], name: 'bn9' }), { message: 'bn9: has 1 channels but conv2d outputs 2' });
  assert.throws(() => foldBatchNorm(conv, { runningMean: [0, 0], runningVar: [1, -1], name: 'bn9' }), { message: 'bn9: running_var + eps of channel 1 is -0.99999; it must be positive' });
});

test('max, average and adaptive pooling match torch, including max_pool2d’s indices (the pattern)', () => {
  for (const p of cases.pool) {
    const x = Float64Array.from(p.input);
    if (p.kind === 'max') {
      const pool = new MaxPool2d({ kernelSize: p.kernelSize, stride: p.stride, padding: p.padding, dilation: p.dilation, ceilMode: p.ceilMode });
      const { output, indices } = pool.forward(x, 2, p.channels, p.height, p.width);
      assert.deepEqual([2, p.channels, ...pool.outputSize(p.height, p.width)], p.outShape, p.name);
      assert.deepEqual(Array.from(output), p.output, p.name);
      assert.deepEqual(Array.from(indices), p.indices, `${p.name} indices`);
    } else if (p.kind === 'avg') {
      const pool = new AvgPool2d({ kernelSize: p.kernelSize, stride: p.stride, padding: p.padding, ceilMode: p.ceilMode, countIncludePad: p.countIncludePad });
      assertClose(pool.forward(x, 2, p.channels, p.height, p.width), p.output, 1e-15, p.name);
    } else {
      const pool = new AdaptiveAvgPool2d(p.outputSize);
      assertClose(pool.forward(x, 2, p.channels, p.height, p.width), p.output, 1e-15, p.name);
    }
  }
  assert.throws(() => new MaxPool2d({ kernelSize: 3, padding: 2, name: 'pool' }), { message: 'pool: padding 2×2 is more than half the 3×3 window' });
});

test('average pooling’s adjoint and the max-pool pattern’s selection map are what they claim', () => {
  const rng = new Rng(3);
  const pools = [new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }), new AvgPool2d({ kernelSize: 2, ceilMode: true, countIncludePad: false }), new AdaptiveAvgPool2d([2, 3])];
  for (const pool of pools) {
    const op = avgPoolOperator(pool, 3, 7, 8);
    const x = rng.fillGaussian(new Float64Array(op.inSize)), y = rng.fillGaussian(new Float64Array(op.outSize));
    const wx = op.apply(x), wty = op.applyTranspose(y);
    let a = 0, b = 0;
    for (let i = 0; i < y.length; i++) a += wx[i] * y[i];
    for (let i = 0; i < x.length; i++) b += x[i] * wty[i];
    assertNear(a, b, 1e-13, `${pool.name} adjoint`);
  }
  // on the region where the winners stay the same, max pooling is the selection map of its pattern
  const pool = new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 });
  const x = rng.fillGaussian(new Float64Array(4 * 9 * 8));
  const idx = new Int32Array(4 * 5 * 4);
  const y = pool.forwardNHWC(x, 1, 4, 9, 8, idx);
  assert.deepEqual(maxPoolPatternOperator(idx, 4, 9, 8, 5, 4).apply(x), y);
});

test('operators compose, shift and materialize; dense operators agree with their matrix', () => {
  const rng = new Rng(5);
  const m = { rows: 3, cols: 4, data: rng.fillGaussian(new Float64Array(12)) };
  const op = denseOperator(m);
  assert.equal(materialize(op), m);
  assertNear(operatorSpectralNorm(op).value, svdSpectralNorm(m), 1e-13, 'dense Lanczos');
  assertNear(operatorPowerIteration(op, { tolerance: 1e-15, maxIterations: 100000 }).value, svdSpectralNorm(m), 1e-6, 'dense power');
  const conv = new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, weight: rng.fillGaussian(new Float64Array(36)) });
  const a = conv2dOperator(conv, 4, 4);
  const twice = composeOperators([a, a]);
  const x = rng.fillGaussian(new Float64Array(32));
  assert.deepEqual(twice.apply(x), a.apply(a.apply(x)));
  const shifted = materialize(shiftedOperator(a)), plain = materialize(a);
  for (let i = 0; i < 32; i++) for (let j = 0; j < 32; j++) assert.equal(shifted.data[i * 32 + j], plain.data[i * 32 + j] - (i === j ? 1 : 0));
  assert.throws(() => composeOperators([a, op]), /composeOperators: .* returns 2×4×4 but dense 4→3 takes 4/);
  assert.throws(() => materialize(a, 100), { message: `materialize: ${a.label} is 32×32 (1024 entries), above the limit of 100` });
});

test('Conv2d rejects bad shapes and options with located messages', () => {
  const w9 = new Float64Array(9);
  assert.throws(() => new Conv2d({ inChannels: 2, outChannels: 1, kernelSize: 3, weight: w9, name: 'c' }), { message: 'c: weight has 9 numbers, expected 1×2×3×3 = 18' });
  assert.throws(() => new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1, groups: 2, weight: w9, name: 'c' }), { message: 'c: groups = 2 must divide inChannels = 3 and outChannels = 2' });
  assert.throws(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, weight: w9, paddingMode: 'reflect' as PaddingMode, name: 'c' }), { message: 'c: padding mode "reflect" is not supported (zeros or circular)' });
  assert.throws(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, stride: 0, weight: w9, name: 'c' }), { message: 'c: stride must be an integer ≥ 1, got 0' });
  const conv = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, weight: w9, name: 'c' });
  assert.throws(() => conv.forward(new Float64Array(4), 1, 2, 2), { message: 'c: a 2×2 input is smaller than the 3×3 kernel (dilation 1×1, padding 0×0)' });
  assert.throws(() => conv.forward(new Float64Array(5), 1, 3, 3), { message: 'c: forward takes 1×1×3×3 = 9 numbers, got 5' });
});

test('‖W‖₂ and ‖W − I‖₂ of a conv whose weights are near the top of float64: σ(2^k·W) = 2^k·σ(W) without overflow; beyond float64 it is ∞ (info prints "overflow")', () => {
  const weight = hashUniform(tensorSeed(14, 1), 4 * 4 * 9, 0, 0.5);
  const make = (scale: number) => new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, weight: weight.map((x) => x * scale), name: 'huge' });
  const base = convSpectralNorm(make(1), 6, 6, { method: 'lanczos', tolerance: 1e-13 });
  for (const k of [600, 1000]) {
    const s = 2 ** k;
    const big = convSpectralNorm(make(s), 6, 6, { method: 'lanczos', tolerance: 1e-13 });
    assert.ok(Number.isFinite(big.value));
    assert.ok(Math.abs(big.value / s - base.value) <= 1e-12 * base.value, `k = ${k}: ${big.value / s} vs ${base.value}`);
    // ‖2^k W − I‖ = 2^k ‖W − 2^−k I‖ ≈ 2^k ‖W‖ to far below rounding
    const minus = convMinusIdentityNorm(make(s), 6, 6, { method: 'lanczos', tolerance: 1e-13 });
    assert.ok(Math.abs(minus.value / s - base.value) <= 1e-12 * base.value);
  }
  // the power iteration goes the same way
  const power = convSpectralNorm(make(2 ** 900), 6, 6, { method: 'power', iterations: 50, seed: 3 });
  const powerBase = convSpectralNorm(make(1), 6, 6, { method: 'power', iterations: 50, seed: 3 });
  assert.ok(Math.abs(power.value / 2 ** 900 - powerBase.value) <= 1e-12 * powerBase.value);
  // weights up to 2^1022: σ = 2^1023·σ(W) leaves float64 when σ(W) ≥ 2, else it is finite and exact
  const top = convSpectralNorm(make(2 ** 1023), 6, 6, { method: 'lanczos', tolerance: 1e-13 }).value;
  if (base.value >= 2) assert.equal(top, Infinity);
  else assert.ok(Math.abs(top / 2 ** 1023 - base.value) <= 1e-12 * base.value);
});
