;; Depth Lens numeric kernels in WebAssembly with 128-bit SIMD (f64x2), float64 throughout.
;;
;; This text is the source: scripts/build-wasm.mjs compiles it with wabt into kernels.wasm.ts (run by
;; `npm run build`; test/unit/kernels.test.ts fails when that file is stale). src/core/kernels/wasm.ts
;; instantiates the module and lays out the caller's arrays in the exported memory; every pointer
;; below is a byte offset into it, and every array starts 16-byte aligned.
;;
;; Results are bit-for-bit those of the plain scalar loops: every sum starts from the bias and adds
;; the products in order of j, with a separate rounding for the multiply and for the add (no fused
;; multiply-add), exactly as `a += w * x` in JavaScript. SIMD only computes several sums at once.
(module
  ;; Math.exp (the ziggurat's wedge test in fillNormal), Math.log and Math.sin (chainWedges' polar form):
  ;; JavaScript's functions, so JavaScript's bits, and ones V8 calls directly from WebAssembly (Math.log1p
  ;; it calls as JavaScript, about 65 ns a call)
  (import "env" "exp" (func $exp (param f64) (result f64)))
  (import "env" "log" (func $log (param f64) (result f64)))
  (import "env" "sin" (func $sin (param f64) (result f64)))
  (memory (export "memory") 1)

  ;; dense: Y[b][i] = bias[i] + Σ_j W[i][j] X[b][j]  for b < rows, i < m.
  ;;
  ;; W is prepacked by the caller into panels of 4 neurons: panel p holds, for j = 0..n−1, the four
  ;; numbers W[4p][j], W[4p+1][j], W[4p+2][j], W[4p+3][j] (32 contiguous bytes per j; neurons past m
  ;; are zero), so the inner loop reads its weights sequentially. bias is zero-padded to a multiple of 4.
  ;; X is [rows][n] and Y is [rows][m], row-major. rows must be a multiple of 4 (the caller pads).
  ;;
  ;; Register tile: 4 samples × 4 neurons = 8 f64x2 accumulators; per j: 2 weight loads and 4 splat
  ;; loads feed 8 multiply-adds. Measured: tiles of 12 accumulators (4 samples × 6 neurons, 3 × 8)
  ;; spill on x86-64's 16 vector registers and reach ~60% of this; 2 samples × 8 neurons is as fast
  ;; but pads widths to multiples of 8.
  (func $dense (export "dense")
    (param $panels i32) (param $bias i32) (param $m i32) (param $n i32)
    (param $x i32) (param $rows i32) (param $y i32)
    (local $i i32)      ;; first neuron of the current panel
    (local $panel i32)  ;; start of the current panel
    (local $b i32)      ;; first sample of the current tile
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)  ;; the tile's 4 input rows, at j
    (local $xEnd i32)   ;; end of row x0
    (local $w i32)      ;; panel cursor at j
    (local $y0 i32)     ;; output row of sample b, at neuron i
    (local $rowBytes i32) (local $outBytes i32)
    (local $lo v128) (local $hi v128)  ;; bias of neurons i, i+1 and i+2, i+3; then weights at j
    (local $v v128)     ;; one input number, splat into both lanes
    ;; accumulators a<sample><half>: half 0 = neurons i, i+1; half 1 = neurons i+2, i+3
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $outBytes (i32.shl (local.get $m) (i32.const 3)))
    (local.set $panel (local.get $panels))
    (block $panelsDone
      (loop $eachPanel
        (br_if $panelsDone (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $lo (v128.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $hi (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $b (i32.const 0))
        (local.set $x0 (local.get $x))
        (local.set $y0 (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))
        (block $tilesDone
          (loop $eachTile
            (br_if $tilesDone (i32.ge_s (local.get $b) (local.get $rows)))
            (local.set $a00 (local.get $lo)) (local.set $a01 (local.get $hi))
            (local.set $a10 (local.get $lo)) (local.set $a11 (local.get $hi))
            (local.set $a20 (local.get $lo)) (local.set $a21 (local.get $hi))
            (local.set $a30 (local.get $lo)) (local.set $a31 (local.get $hi))
            (local.set $x1 (i32.add (local.get $x0) (local.get $rowBytes)))
            (local.set $x2 (i32.add (local.get $x1) (local.get $rowBytes)))
            (local.set $x3 (i32.add (local.get $x2) (local.get $rowBytes)))
            (local.set $xEnd (local.get $x1))
            (local.set $w (local.get $panel))
            (block $sumDone
              (loop $eachJ
                (br_if $sumDone (i32.ge_u (local.get $x0) (local.get $xEnd)))
                (local.set $lo (v128.load (local.get $w)))
                (local.set $hi (v128.load offset=16 (local.get $w)))
                (local.set $v (v128.load64_splat (local.get $x0)))
                (local.set $a00 (f64x2.add (local.get $a00) (f64x2.mul (local.get $lo) (local.get $v))))
                (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $hi) (local.get $v))))
                (local.set $v (v128.load64_splat (local.get $x1)))
                (local.set $a10 (f64x2.add (local.get $a10) (f64x2.mul (local.get $lo) (local.get $v))))
                (local.set $a11 (f64x2.add (local.get $a11) (f64x2.mul (local.get $hi) (local.get $v))))
                (local.set $v (v128.load64_splat (local.get $x2)))
                (local.set $a20 (f64x2.add (local.get $a20) (f64x2.mul (local.get $lo) (local.get $v))))
                (local.set $a21 (f64x2.add (local.get $a21) (f64x2.mul (local.get $hi) (local.get $v))))
                (local.set $v (v128.load64_splat (local.get $x3)))
                (local.set $a30 (f64x2.add (local.get $a30) (f64x2.mul (local.get $lo) (local.get $v))))
                (local.set $a31 (f64x2.add (local.get $a31) (f64x2.mul (local.get $hi) (local.get $v))))
                (local.set $x0 (i32.add (local.get $x0) (i32.const 8)))
                (local.set $x1 (i32.add (local.get $x1) (i32.const 8)))
                (local.set $x2 (i32.add (local.get $x2) (i32.const 8)))
                (local.set $x3 (i32.add (local.get $x3) (i32.const 8)))
                (local.set $w (i32.add (local.get $w) (i32.const 32)))
                (br $eachJ)))
            ;; x0 now points at the next tile's first row (x0 advanced over one row)
            (local.set $x0 (i32.add (local.get $x0) (i32.mul (local.get $rowBytes) (i32.const 3))))
            (if (i32.ge_s (i32.sub (local.get $m) (local.get $i)) (i32.const 4))
              (then
                (v128.store (local.get $y0) (local.get $a00))
                (v128.store offset=16 (local.get $y0) (local.get $a01))
                (local.set $y0 (i32.add (local.get $y0) (local.get $outBytes)))
                (v128.store (local.get $y0) (local.get $a10))
                (v128.store offset=16 (local.get $y0) (local.get $a11))
                (local.set $y0 (i32.add (local.get $y0) (local.get $outBytes)))
                (v128.store (local.get $y0) (local.get $a20))
                (v128.store offset=16 (local.get $y0) (local.get $a21))
                (local.set $y0 (i32.add (local.get $y0) (local.get $outBytes)))
                (v128.store (local.get $y0) (local.get $a30))
                (v128.store offset=16 (local.get $y0) (local.get $a31))
                (local.set $y0 (i32.add (local.get $y0) (local.get $outBytes))))
              (else
                (call $storeFirst (local.get $y0) (local.get $a00) (local.get $a01) (i32.sub (local.get $m) (local.get $i)))
                (local.set $y0 (i32.add (local.get $y0) (local.get $outBytes)))
                (call $storeFirst (local.get $y0) (local.get $a10) (local.get $a11) (i32.sub (local.get $m) (local.get $i)))
                (local.set $y0 (i32.add (local.get $y0) (local.get $outBytes)))
                (call $storeFirst (local.get $y0) (local.get $a20) (local.get $a21) (i32.sub (local.get $m) (local.get $i)))
                (local.set $y0 (i32.add (local.get $y0) (local.get $outBytes)))
                (call $storeFirst (local.get $y0) (local.get $a30) (local.get $a31) (i32.sub (local.get $m) (local.get $i)))
                (local.set $y0 (i32.add (local.get $y0) (local.get $outBytes)))))
            ;; reload the bias (lo/hi held weights in the loop)
            (local.set $lo (v128.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $hi (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (br $eachTile)))
        (local.set $panel (i32.add (local.get $panel) (i32.shl (local.get $rowBytes) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $eachPanel))))

;; denseRows4: four inputs through a row-major W without packing it (the convergence walk's probes:
;; each layer's W is used once, so packing it into panels would cost as much as the product).
;; Y4[i][p] = bias[i] + Σ_j W[i][j] X4[j][p]  for i < m, p < 4.
;; X4 is [n][4] (the four inputs interleaved: x0[j], x1[j], x2[j], x3[j]) and Y4 is [m][4]. Rows go four
;; at a time: per j, two loads of X4 and four weight splats feed 8 f64x2 multiply-adds, and every sum
;; still starts from its bias and adds the products in order of j (the scalar loop's bits).

  (func $denseRows4 (export "denseRows4") (param $w i32) (param $bias i32) (param $m i32) (param $n i32) (param $x i32) (param $y i32)
    (local $i i32) (local $rowBytes i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $p i32) (local $end i32) (local $xj i32) (local $lo v128) (local $hi v128) (local $v v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128) (local $a2 v128) (local $b2 v128) (local $a3 v128) (local $b3 v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $end (local.get $rowBytes))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
      (local.set $r0 (i32.add (local.get $w) (i32.mul (local.get $i) (local.get $rowBytes))))
      (local.set $r1 (i32.add (local.get $r0) (local.get $rowBytes)))
      (local.set $r2 (i32.add (local.get $r1) (local.get $rowBytes)))
      (local.set $r3 (i32.add (local.get $r2) (local.get $rowBytes)))
      (local.set $a0 (v128.load64_splat (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $a1 (v128.load64_splat offset=8 (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $a2 (v128.load64_splat offset=16 (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $a3 (v128.load64_splat offset=24 (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $b0 (local.get $a0)) (local.set $b1 (local.get $a1)) (local.set $b2 (local.get $a2)) (local.set $b3 (local.get $a3))
      (local.set $p (i32.const 0))
      (local.set $xj (local.get $x))
      (block $done (loop $eachJ
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $lo (v128.load (local.get $xj)))
        (local.set $hi (v128.load offset=16 (local.get $xj)))
        (local.set $v (v128.load64_splat (i32.add (local.get $r0) (local.get $p))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $v) (local.get $lo))))
        (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $v) (local.get $hi))))
        (local.set $v (v128.load64_splat (i32.add (local.get $r1) (local.get $p))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $v) (local.get $lo))))
        (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $v) (local.get $hi))))
        (local.set $v (v128.load64_splat (i32.add (local.get $r2) (local.get $p))))
        (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $v) (local.get $lo))))
        (local.set $b2 (f64x2.add (local.get $b2) (f64x2.mul (local.get $v) (local.get $hi))))
        (local.set $v (v128.load64_splat (i32.add (local.get $r3) (local.get $p))))
        (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $v) (local.get $lo))))
        (local.set $b3 (f64x2.add (local.get $b3) (f64x2.mul (local.get $v) (local.get $hi))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $xj (i32.add (local.get $xj) (i32.const 32)))
        (br $eachJ)))
      (local.set $p (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 5))))
      (v128.store (local.get $p) (local.get $a0)) (v128.store offset=16 (local.get $p) (local.get $b0))
      (v128.store offset=32 (local.get $p) (local.get $a1)) (v128.store offset=48 (local.get $p) (local.get $b1))
      (v128.store offset=64 (local.get $p) (local.get $a2)) (v128.store offset=80 (local.get $p) (local.get $b2))
      (v128.store offset=96 (local.get $p) (local.get $a3)) (v128.store offset=112 (local.get $p) (local.get $b3))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $blocks)))
    ;; the last m mod 4 rows, one at a time
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $m)))
      (local.set $r0 (i32.add (local.get $w) (i32.mul (local.get $i) (local.get $rowBytes))))
      (local.set $a0 (v128.load64_splat (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $b0 (local.get $a0))
      (local.set $p (i32.const 0))
      (local.set $xj (local.get $x))
      (block $done1 (loop $eachJ1
        (br_if $done1 (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load64_splat (i32.add (local.get $r0) (local.get $p))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $v) (v128.load (local.get $xj)))))
        (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $xj)))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $xj (i32.add (local.get $xj) (i32.const 32)))
        (br $eachJ1)))
      (local.set $p (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 5))))
      (v128.store (local.get $p) (local.get $a0)) (v128.store offset=16 (local.get $p) (local.get $b0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

;; firstNonFinite: the index of the first NaN or ±∞ among `count` float64 at `a`, or −1 (the check of
;; a weights file as it is read). x − x is +0 for every finite x and NaN for NaN and ±∞; eight numbers
;; at a time are summed that way and tested once, and a block that holds one is searched number by number.
  (func $firstNonFinite (export "firstNonFinite") (param $a i32) (param $count i32) (result i32)
    (local $p i32) (local $end i32) (local $s v128) (local $v v128) (local $i i32) (local $x f64)
    (local.set $end (i32.shl (i32.shr_u (local.get $count) (i32.const 3)) (i32.const 6)))
    (block $found (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (v128.load (i32.add (local.get $a) (local.get $p))))
      (local.set $s (f64x2.sub (local.get $v) (local.get $v)))
      (local.set $v (v128.load offset=16 (i32.add (local.get $a) (local.get $p))))
      (local.set $s (f64x2.add (local.get $s) (f64x2.sub (local.get $v) (local.get $v))))
      (local.set $v (v128.load offset=32 (i32.add (local.get $a) (local.get $p))))
      (local.set $s (f64x2.add (local.get $s) (f64x2.sub (local.get $v) (local.get $v))))
      (local.set $v (v128.load offset=48 (i32.add (local.get $a) (local.get $p))))
      (local.set $s (f64x2.add (local.get $s) (f64x2.sub (local.get $v) (local.get $v))))
      (br_if $found (v128.any_true (f64x2.ne (local.get $s) (local.get $s))))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (br $blocks))))
    ;; from the block that holds one (or the last count mod 8 numbers), one at a time
    (local.set $i (i32.shr_u (local.get $p) (i32.const 3)))
    (block $none (loop $each
      (br_if $none (i32.ge_u (local.get $i) (local.get $count)))
      (local.set $x (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))))
      (if (f64.ne (f64.sub (local.get $x) (local.get $x)) (f64.const 0)) (then (return (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $each)))
    (i32.const -1))

;; maxAbs: max |a_i| over `count` float64 at `a` (+0 for none); NaN when one is NaN (f64x2.max and
;; f64.max return NaN when either operand is NaN), +∞ when one is ±∞.
  (func $maxAbs (export "maxAbs") (param $a i32) (param $count i32) (result f64)
    (local $p i32) (local $end i32) (local $m0 v128) (local $m1 v128) (local $r f64) (local $i i32)
    (local.set $end (i32.shl (i32.shr_u (local.get $count) (i32.const 2)) (i32.const 5)))
    (block $done (loop $quads
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $m0 (f64x2.max (local.get $m0) (f64x2.abs (v128.load (i32.add (local.get $a) (local.get $p))))))
      (local.set $m1 (f64x2.max (local.get $m1) (f64x2.abs (v128.load offset=16 (i32.add (local.get $a) (local.get $p))))))
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (br $quads)))
    (local.set $m0 (f64x2.max (local.get $m0) (local.get $m1)))
    (local.set $r (f64.max (f64x2.extract_lane 0 (local.get $m0)) (f64x2.extract_lane 1 (local.get $m0))))
    (local.set $i (i32.shr_u (local.get $end) (i32.const 3)))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $i) (local.get $count)))
      (local.set $r (f64.max (local.get $r) (f64.abs (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail)))
    (local.get $r))

  ;; relu: Z[t] = Z[t] > 0 ? Z[t] : 0 for t < count (NaN and −0 become +0, as `if (!(z > 0)) z = 0`).
  (func $relu (export "relu") (param $z i32) (param $count i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $z) (i32.shl (i32.shr_u (local.get $count) (i32.const 1)) (i32.const 4))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $z) (local.get $end)))
        (local.set $v (v128.load (local.get $z)))
        (v128.store (local.get $z) (v128.and (local.get $v) (f64x2.gt (local.get $v) (v128.const f64x2 0 0))))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $count) (i32.const 1))
      (then
        (if (i32.eqz (f64.gt (f64.load (local.get $z)) (f64.const 0)))
          (then (f64.store (local.get $z) (f64.const 0)))))))

  ;; reluBits: relu over Z ([rows][m]) and its activation pattern: bit i of a row's ⌈m/32⌉ 32-bit
  ;; words (at bits + row·⌈m/32⌉·4) is set when Z[row][i] > 0. Two neurons per step: one compare
  ;; gives both the mask that zeroes the inactive lane and, through bitmask, its two pattern bits.
  (func $reluBits (export "reluBits") (param $z i32) (param $rows i32) (param $m i32) (param $bits i32)
    (local $row i32) (local $i i32) (local $word i32) (local $v v128) (local $on v128)
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $i (i32.const 0))
        (local.set $word (i32.const 0))
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $m)))
            (local.set $v (v128.load (local.get $z)))
            (local.set $on (f64x2.gt (local.get $v) (v128.const f64x2 0 0)))
            (v128.store (local.get $z) (v128.and (local.get $v) (local.get $on)))
            (local.set $word (i32.or (local.get $word)
              (i32.shl (i64x2.bitmask (local.get $on)) (local.get $i))))  ;; shl takes i mod 32
            (local.set $z (i32.add (local.get $z) (i32.const 16)))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (if (i32.eqz (i32.and (local.get $i) (i32.const 31)))
              (then
                (i32.store (local.get $bits) (local.get $word))
                (local.set $bits (i32.add (local.get $bits) (i32.const 4)))
                (local.set $word (i32.const 0))))
            (br $pairs)))
        ;; odd m: the last neuron alone
        (if (i32.lt_s (local.get $i) (local.get $m))
          (then
            (if (f64.gt (f64.load (local.get $z)) (f64.const 0))
              (then (local.set $word (i32.or (local.get $word) (i32.shl (i32.const 1) (local.get $i)))))
              (else (f64.store (local.get $z) (f64.const 0))))
            (local.set $z (i32.add (local.get $z) (i32.const 8)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))))
        ;; a partly filled last word
        (if (i32.and (local.get $i) (i32.const 31))
          (then
            (i32.store (local.get $bits) (local.get $word))
            (local.set $bits (i32.add (local.get $bits) (i32.const 4)))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $eachRow))))

;; ─── Lanczos products ────────────────────────────────────────────────────────────────────────────
;; Dot products use one f64x2 accumulator per row: lane 0 sums the products of even j, lane 1 of odd j
;; (each with its own rounding, no fused multiply-add), the two lanes are then added, and for odd n
;; the last product is added after that. Axpy updates are y_j ← y_j + t·r_j, rows in order. The scalar
;; reference in src/core/linalg/products.ts does exactly these operations, so results agree bit for bit.

  ;; out[0..3] = rows r, r+stride, r+2·stride, r+3·stride (bytes) dotted with x (n numbers)
  (func $dot4 (param $r i32) (param $stride i32) (param $x i32) (param $n i32) (param $out i32)
    (local $p i32) (local $end i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $v v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $last f64)
    (local.set $r1 (i32.add (local.get $r) (local.get $stride)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $p))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load (i32.add (local.get $r) (local.get $p))) (local.get $v))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load (i32.add (local.get $r1) (local.get $p))) (local.get $v))))
        (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (v128.load (i32.add (local.get $r2) (local.get $p))) (local.get $v))))
        (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (v128.load (i32.add (local.get $r3) (local.get $p))) (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pairs)))
    (f64.store (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))
    (f64.store offset=8 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1))))
    (f64.store offset=16 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $s2)) (f64x2.extract_lane 1 (local.get $s2))))
    (f64.store offset=24 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $s3)) (f64x2.extract_lane 1 (local.get $s3))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $last (f64.load (i32.add (local.get $x) (local.get $end))))
        (f64.store (local.get $out) (f64.add (f64.load (local.get $out)) (f64.mul (f64.load (i32.add (local.get $r) (local.get $end))) (local.get $last))))
        (f64.store offset=8 (local.get $out) (f64.add (f64.load offset=8 (local.get $out)) (f64.mul (f64.load (i32.add (local.get $r1) (local.get $end))) (local.get $last))))
        (f64.store offset=16 (local.get $out) (f64.add (f64.load offset=16 (local.get $out)) (f64.mul (f64.load (i32.add (local.get $r2) (local.get $end))) (local.get $last))))
        (f64.store offset=24 (local.get $out) (f64.add (f64.load offset=24 (local.get $out)) (f64.mul (f64.load (i32.add (local.get $r3) (local.get $end))) (local.get $last)))))))

  ;; row r (n numbers) dotted with x
  (func $dot1 (param $r i32) (param $x i32) (param $n i32) (result f64)
    (local $p i32) (local $end i32) (local $s v128) (local $t f64)
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (f64x2.add (local.get $s) (f64x2.mul (v128.load (i32.add (local.get $r) (local.get $p))) (v128.load (i32.add (local.get $x) (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pairs)))
    (local.set $t (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (local.set $t (f64.add (local.get $t) (f64.mul (f64.load (i32.add (local.get $r) (local.get $end))) (f64.load (i32.add (local.get $x) (local.get $end))))))))
    (local.get $t))

  ;; y_j ← (((y_j + t0·r0_j) + t1·r1_j) + t2·r2_j) + t3·r3_j with t at tp[0..3], rows `stride` bytes apart
  (func $axpy4 (param $r i32) (param $stride i32) (param $tp i32) (param $n i32) (param $y i32)
    (local $p i32) (local $end i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $v v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $r1 (i32.add (local.get $r) (local.get $stride)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
    (local.set $t0 (v128.load64_splat (local.get $tp)))
    (local.set $t1 (v128.load64_splat offset=8 (local.get $tp)))
    (local.set $t2 (v128.load64_splat offset=16 (local.get $tp)))
    (local.set $t3 (v128.load64_splat offset=24 (local.get $tp)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $y) (local.get $p))))
        (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $t0) (v128.load (i32.add (local.get $r) (local.get $p))))))
        (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $t1) (v128.load (i32.add (local.get $r1) (local.get $p))))))
        (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $t2) (v128.load (i32.add (local.get $r2) (local.get $p))))))
        (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $t3) (v128.load (i32.add (local.get $r3) (local.get $p))))))
        (v128.store (i32.add (local.get $y) (local.get $p)) (local.get $v))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (i32.add (local.get $y) (local.get $end))
          (f64.add (f64.add (f64.add (f64.add (f64.load (i32.add (local.get $y) (local.get $end)))
            (f64.mul (f64x2.extract_lane 0 (local.get $t0)) (f64.load (i32.add (local.get $r) (local.get $end)))))
            (f64.mul (f64x2.extract_lane 0 (local.get $t1)) (f64.load (i32.add (local.get $r1) (local.get $end)))))
            (f64.mul (f64x2.extract_lane 0 (local.get $t2)) (f64.load (i32.add (local.get $r2) (local.get $end)))))
            (f64.mul (f64x2.extract_lane 0 (local.get $t3)) (f64.load (i32.add (local.get $r3) (local.get $end)))))))))

  ;; y_j ← y_j + t·r_j
  (func $axpy1 (param $r i32) (param $t f64) (param $n i32) (param $y i32)
    (local $p i32) (local $end i32) (local $tv v128)
    (local.set $tv (f64x2.splat (local.get $t)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (i32.add (local.get $y) (local.get $p))
          (f64x2.add (v128.load (i32.add (local.get $y) (local.get $p))) (f64x2.mul (local.get $tv) (v128.load (i32.add (local.get $r) (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (i32.add (local.get $y) (local.get $end))
        (f64.add (f64.load (i32.add (local.get $y) (local.get $end))) (f64.mul (local.get $t) (f64.load (i32.add (local.get $r) (local.get $end)))))))))

  ;; gram: w = Aᵀ(A v) for A [m][n] row-major, in one pass over A: per block of 4 rows, their dot
  ;; products with v, then those rows scaled into w while they are still in the L1 cache.
  ;; `t` is scratch for 4 numbers.
  (func $gram (export "gram") (param $a i32) (param $m i32) (param $n i32) (param $v i32) (param $w i32) (param $t i32)
    (local $i i32) (local $row i32) (local $rowBytes i32) (local $p i32) (local $wEnd i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $wEnd (i32.add (local.get $w) (local.get $rowBytes)))
    (local.set $p (local.get $w))
    (block $zeroed (loop $zero
      (br_if $zeroed (i32.ge_u (local.get $p) (local.get $wEnd)))
      (f64.store (local.get $p) (f64.const 0))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br $zero)))
    (local.set $row (local.get $a))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
      (call $dot4 (local.get $row) (local.get $rowBytes) (local.get $v) (local.get $n) (local.get $t))
      (call $axpy4 (local.get $row) (local.get $rowBytes) (local.get $t) (local.get $n) (local.get $w))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $rowBytes) (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $blocks)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $m)))
      (call $axpy1 (local.get $row) (call $dot1 (local.get $row) (local.get $v) (local.get $n)) (local.get $n) (local.get $w))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

;; The same w = Aᵀ(A v) with A stored as float32 (a checkpoint's tensor kept in its own precision:
;; half the memory and half the bytes streamed per pass). Each float32 pair is widened to f64x2
;; (exact; f64x2.promote_low_f32x4 of a 64-bit load, written out at each use: V8 does not inline
;; small wasm functions here, and a call per load made this 3× slower) before the same multiplies
;; and adds as `gram`, so gram32(A) = gram(A as float64) bit for bit.

  ;; out[0..3] = float32 rows r, r+stride, … (stride in bytes) dotted with x (n float64)
  (func $dot4f32 (param $r i32) (param $stride i32) (param $x i32) (param $n i32) (param $out i32)
    (local $p i32) (local $q i32) (local $end i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $v v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $last f64)
    (local.set $r1 (i32.add (local.get $r) (local.get $stride)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $p))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r) (local.get $q)))) (local.get $v))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r1) (local.get $q)))) (local.get $v))))
        (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r2) (local.get $q)))) (local.get $v))))
        (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r3) (local.get $q)))) (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (br $pairs)))
    (f64.store (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))
    (f64.store offset=8 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1))))
    (f64.store offset=16 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $s2)) (f64x2.extract_lane 1 (local.get $s2))))
    (f64.store offset=24 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $s3)) (f64x2.extract_lane 1 (local.get $s3))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $last (f64.load (i32.add (local.get $x) (local.get $end))))
        (f64.store (local.get $out) (f64.add (f64.load (local.get $out)) (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $r) (local.get $q)))) (local.get $last))))
        (f64.store offset=8 (local.get $out) (f64.add (f64.load offset=8 (local.get $out)) (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $r1) (local.get $q)))) (local.get $last))))
        (f64.store offset=16 (local.get $out) (f64.add (f64.load offset=16 (local.get $out)) (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $r2) (local.get $q)))) (local.get $last))))
        (f64.store offset=24 (local.get $out) (f64.add (f64.load offset=24 (local.get $out)) (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $r3) (local.get $q)))) (local.get $last)))))))

  ;; float32 row r dotted with x
  (func $dot1f32 (param $r i32) (param $x i32) (param $n i32) (result f64)
    (local $p i32) (local $q i32) (local $end i32) (local $s v128) (local $t f64)
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (f64x2.add (local.get $s) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r) (local.get $q)))) (v128.load (i32.add (local.get $x) (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (br $pairs)))
    (local.set $t (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (local.set $t (f64.add (local.get $t) (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $r) (local.get $q)))) (f64.load (i32.add (local.get $x) (local.get $end))))))))
    (local.get $t))

  ;; y_j ← (((y_j + t0·r0_j) + t1·r1_j) + t2·r2_j) + t3·r3_j, float32 rows `stride` bytes apart
  (func $axpy4f32 (param $r i32) (param $stride i32) (param $tp i32) (param $n i32) (param $y i32)
    (local $p i32) (local $q i32) (local $end i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $v v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $r1 (i32.add (local.get $r) (local.get $stride)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
    (local.set $t0 (v128.load64_splat (local.get $tp)))
    (local.set $t1 (v128.load64_splat offset=8 (local.get $tp)))
    (local.set $t2 (v128.load64_splat offset=16 (local.get $tp)))
    (local.set $t3 (v128.load64_splat offset=24 (local.get $tp)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $y) (local.get $p))))
        (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $t0) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r) (local.get $q)))))))
        (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $t1) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r1) (local.get $q)))))))
        (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $t2) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r2) (local.get $q)))))))
        (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $t3) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r3) (local.get $q)))))))
        (v128.store (i32.add (local.get $y) (local.get $p)) (local.get $v))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (i32.add (local.get $y) (local.get $end))
          (f64.add (f64.add (f64.add (f64.add (f64.load (i32.add (local.get $y) (local.get $end)))
            (f64.mul (f64x2.extract_lane 0 (local.get $t0)) (f64.promote_f32 (f32.load (i32.add (local.get $r) (local.get $q))))))
            (f64.mul (f64x2.extract_lane 0 (local.get $t1)) (f64.promote_f32 (f32.load (i32.add (local.get $r1) (local.get $q))))))
            (f64.mul (f64x2.extract_lane 0 (local.get $t2)) (f64.promote_f32 (f32.load (i32.add (local.get $r2) (local.get $q))))))
            (f64.mul (f64x2.extract_lane 0 (local.get $t3)) (f64.promote_f32 (f32.load (i32.add (local.get $r3) (local.get $q))))))))))

  ;; y_j ← y_j + t·r_j, float32 row r
  (func $axpy1f32 (param $r i32) (param $t f64) (param $n i32) (param $y i32)
    (local $p i32) (local $q i32) (local $end i32) (local $tv v128)
    (local.set $tv (f64x2.splat (local.get $t)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (i32.add (local.get $y) (local.get $p))
          (f64x2.add (v128.load (i32.add (local.get $y) (local.get $p))) (f64x2.mul (local.get $tv) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r) (local.get $q)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (i32.add (local.get $y) (local.get $end))
        (f64.add (f64.load (i32.add (local.get $y) (local.get $end))) (f64.mul (local.get $t) (f64.promote_f32 (f32.load (i32.add (local.get $r) (local.get $q))))))))))

  ;; gram32: w = Aᵀ(A v) for float32 A [m][n] row-major (v, w, t float64), as `gram`
  (func $gram32 (export "gram32") (param $a i32) (param $m i32) (param $n i32) (param $v i32) (param $w i32) (param $t i32)
    (local $i i32) (local $row i32) (local $rowBytes i32) (local $p i32) (local $wEnd i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $wEnd (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $p (local.get $w))
    (block $zeroed (loop $zero
      (br_if $zeroed (i32.ge_u (local.get $p) (local.get $wEnd)))
      (f64.store (local.get $p) (f64.const 0))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br $zero)))
    (local.set $row (local.get $a))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
      (call $dot4f32 (local.get $row) (local.get $rowBytes) (local.get $v) (local.get $n) (local.get $t))
      (call $axpy4f32 (local.get $row) (local.get $rowBytes) (local.get $t) (local.get $n) (local.get $w))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $rowBytes) (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $blocks)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $m)))
      (call $axpy1f32 (local.get $row) (call $dot1f32 (local.get $row) (local.get $v) (local.get $n)) (local.get $n) (local.get $w))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

  ;; dots: c[r] = B_r · x for the first k rows of B ([k][n] row-major)
  (func $dots (export "dots") (param $b i32) (param $k i32) (param $n i32) (param $x i32) (param $c i32)
    (local $i i32) (local $row i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $row (local.get $b))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $k)))
      (call $dot4 (local.get $row) (local.get $rowBytes) (local.get $x) (local.get $n) (i32.add (local.get $c) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $rowBytes) (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $blocks)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $k)))
      (f64.store (i32.add (local.get $c) (i32.shl (local.get $i) (i32.const 3))) (call $dot1 (local.get $row) (local.get $x) (local.get $n)))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

  ;; combine: y ← y + Σ_r c[r]·B_r over the first k rows of B, rows in order
  (func $combine (export "combine") (param $b i32) (param $k i32) (param $n i32) (param $c i32) (param $y i32)
    (local $i i32) (local $row i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $row (local.get $b))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $k)))
      (call $axpy4 (local.get $row) (local.get $rowBytes) (i32.add (local.get $c) (i32.shl (local.get $i) (i32.const 3))) (local.get $n) (local.get $y))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $rowBytes) (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $blocks)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $k)))
      (call $axpy1 (local.get $row) (f64.load (i32.add (local.get $c) (i32.shl (local.get $i) (i32.const 3)))) (local.get $n) (local.get $y))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

;; fillNormal: Rng.fillNormal's fast path (src/core/rng.ts, the ziggurat in Doornik's ZIGNOR form on
;; xoshiro128**), the same integer and floating-point operations, so the same draws. WebAssembly has a
;; rotate instruction and no bounds checks on typed arrays. At `st`: s0..s3 (i32), then at st+16 the
;; block-index word `bits` and at st+20 how many indices it has `left` (kept between calls: one
;; JavaScript call may take several); X (129 f64) at st+64 and RATIO (128 f64) at st+1104
;; (src/core/kernels/wasm.ts NORMAL_*). Fills out[i..count) and returns count, or stops at a draw for
;; the base block's tail (about 1 in 1800: a loop of logarithms, done in JavaScript) and returns its
;; index, with its block j = 0 at st+24 (i32) and its u at st+32 (f64). A draw outside the fast path of
;; any other block (2–3 %) takes zigguratEdge's wedge test here, with the imported exp and
;; Rng.uniform's 53 bits from the next two outputs.
;;
;; perf: the loop that draws (zigguratRun) has no call in it and few values: with the wedge in the
;; same loop V8 (about ten general registers on x86-64) kept three of the generator's values in stack
;; slots, written and read on every draw. The wedge runs between runs and reloads the state from st.
  (func $fillNormal (export "fillNormal") (param $st i32) (param $out i32) (param $i i32) (param $count i32) (result i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $a i32) (local $t i32)
    (local $end i32) (local $p i32) (local $j i32) (local $u f64) (local $x f64) (local $f0 f64) (local $f1 f64) (local $uu f64)
    (local.set $p (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 3))))
    (block $done (loop $run
      (local.set $p (call $zigguratRun (local.get $st) (local.get $p) (local.get $end)))
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      ;; j = 0: block 0's tail, JavaScript's (j and u are at st+24 and st+32)
      (local.set $j (i32.shl (i32.load offset=24 (local.get $st)) (i32.const 3)))
      (br_if $done (i32.eqz (local.get $j)))
      ;; the wedge of block j: x = u·X[j] when f1 + U·(f0 − f1) < 1, f0 = e^a0 and f1 = e^a1 the density
      ;; at the block's edges relative to x (zigguratEdge's operations, in its order); else draw again.
      ;; perf: the two exps are mostly skipped by a squeeze. With a0 ≤ 0 ≤ a1 < 3 (a1 ≤ 0.73 in block 1),
      ;; a ≤ e^a − 1 ≤ a + a²/2 for a ≤ 0 and ≤ a + a²/(2 − 2a/3) for 0 ≤ a < 3 (aᵏ/k! ≤ (a²/2)(a/3)ᵏ⁻²),
      ;; so (1 − U)a1 + U·a0 ≤ L − 1 ≤ (1 − U)(a1 + a1²/(2 − 2a1/3)) + U(a0 + a0²/2). Outside a margin of
      ;; 1e-12 (the computed L is within ~3e-15 of L, its bounds within ~1e-15 of theirs) the bound decides
      ;; as the exps would; inside it the exps decide. The same draws, bit for bit.
      (local.set $u (f64.load offset=32 (local.get $st)))
      (local.set $j (i32.add (local.get $st) (local.get $j)))
      (local.set $x (f64.mul (local.get $u) (f64.load offset=64 (local.get $j))))
      (local.set $f0 (f64.mul (f64.const -0.5) (f64.sub
        (f64.mul (f64.load offset=64 (local.get $j)) (f64.load offset=64 (local.get $j)))
        (f64.mul (local.get $x) (local.get $x)))))
      (local.set $f1 (f64.mul (f64.const -0.5) (f64.sub
        (f64.mul (f64.load offset=72 (local.get $j)) (f64.load offset=72 (local.get $j)))
        (f64.mul (local.get $x) (local.get $x)))))
      ;; U = ((out₁ >>> 5)·2²⁶ + (out₂ >>> 6))/2⁵³ (Rng.uniform), from the state zigguratRun left
      (local.set $s0 (i32.load (local.get $st))) (local.set $s1 (i32.load offset=4 (local.get $st)))
      (local.set $s2 (i32.load offset=8 (local.get $st))) (local.set $s3 (i32.load offset=12 (local.get $st)))
      (local.set $a (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0))) (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2))) (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t))) (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (local.set $uu (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $a) (i32.const 5))) (f64.const 67108864)))
      (local.set $a (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0))) (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2))) (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t))) (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (local.set $uu (f64.div (f64.add (local.get $uu) (f64.convert_i32_u (i32.shr_u (local.get $a) (i32.const 6)))) (f64.const 9007199254740992)))
      (i32.store (local.get $st) (local.get $s0)) (i32.store offset=4 (local.get $st) (local.get $s1))
      (i32.store offset=8 (local.get $st) (local.get $s2)) (i32.store offset=12 (local.get $st) (local.get $s3))
      ;; f0, f1 hold a0, a1 until the exps; the lower bound first (rejects), then the upper (accepts)
      (br_if $run (f64.gt
        (f64.add (f64.mul (f64.sub (f64.const 1) (local.get $uu)) (local.get $f1)) (f64.mul (local.get $uu) (local.get $f0)))
        (f64.const 1e-12)))
      (if (f64.lt
          (f64.add
            (f64.mul (f64.sub (f64.const 1) (local.get $uu))
              (f64.add (local.get $f1) (f64.div (f64.mul (local.get $f1) (local.get $f1))
                (f64.sub (f64.const 2) (f64.mul (f64.const 0x1.5555555555555p-1) (local.get $f1))))))
            (f64.mul (local.get $uu) (f64.add (local.get $f0) (f64.mul (f64.const 0.5) (f64.mul (local.get $f0) (local.get $f0))))))
          (f64.const -1e-12))
        (then
          (f64.store (local.get $p) (local.get $x))
          (local.set $p (i32.add (local.get $p) (i32.const 8)))
          (br $run)))
      (local.set $f0 (call $exp (local.get $f0)))
      (local.set $f1 (call $exp (local.get $f1)))
      (if (f64.lt (f64.add (local.get $f1) (f64.mul (local.get $uu) (f64.sub (local.get $f0) (local.get $f1)))) (f64.const 1))
        (then
          (f64.store (local.get $p) (local.get $x))
          (local.set $p (i32.add (local.get $p) (i32.const 8)))))
      (br $run)))
    (i32.shr_u (i32.sub (local.get $p) (local.get $out)) (i32.const 3)))

;; zigguratRun: fillNormal's draws while they take the fast path |u| < RATIO[j] (x = u·X[j]) into
;; p, p + 8, … below end; returns end, or where the first draw outside the fast path would go, with its
;; block j at st+24 and its u at st+32. State and tables at st as fillNormal's. The block indices left
;; are kept as one word with a marker bit above them (left indices: bits 0..7·left−1, marker at 7·left;
;; 1 when none are left), and the output goes by pointer: each value fewer is a stack slot fewer.
  (func $zigguratRun (param $st i32) (param $p i32) (param $end i32) (result i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $a i32) (local $t i32)
    (local $left i32) (local $word i32) (local $j i32) (local $u f64)
    (local.set $s0 (i32.load (local.get $st))) (local.set $s1 (i32.load offset=4 (local.get $st)))
    (local.set $s2 (i32.load offset=8 (local.get $st))) (local.set $s3 (i32.load offset=12 (local.get $st)))
    (local.set $left (i32.mul (i32.load offset=20 (local.get $st)) (i32.const 7)))
    ;; (bits mod 2^(7·left)) + 2^(7·left): left ≤ 4, so the shift is at most 28
    (local.set $word (i32.or
      (i32.and (i32.load offset=16 (local.get $st)) (i32.sub (i32.shl (i32.const 1) (local.get $left)) (i32.const 1)))
      (i32.shl (i32.const 1) (local.get $left))))
    (block $done (loop $draw
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      ;; xoshiro128** output and step
      (local.set $a (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0))) (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2))) (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t))) (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (if (i32.eq (local.get $word) (i32.const 1)) (then
        ;; one 32-bit output gives the block indices (7 bits each) of four draws
        (local.set $word (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0))) (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2))) (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t))) (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $word (i32.or (i32.and (local.get $word) (i32.const 0x0fffffff)) (i32.const 0x10000000)))))
      ;; 8·j: the byte offset of block j in X and RATIO
      (local.set $j (i32.shl (i32.and (local.get $word) (i32.const 127)) (i32.const 3)))
      (local.set $word (i32.shr_u (local.get $word) (i32.const 7)))
      ;; u = 2U − 1 from the unsigned output: a·2⁻³¹ − 1
      (local.set $u (f64.sub (f64.mul (f64.convert_i32_u (local.get $a)) (f64.const 0x1p-31)) (f64.const 1)))
      (local.set $j (i32.add (local.get $st) (local.get $j)))
      (if (f64.lt (f64.abs (local.get $u)) (f64.load offset=1104 (local.get $j)))
        (then
          (f64.store (local.get $p) (f64.mul (local.get $u) (f64.load offset=64 (local.get $j))))
          (local.set $p (i32.add (local.get $p) (i32.const 8)))
          (br $draw)))
      (i32.store offset=24 (local.get $st) (i32.shr_u (i32.sub (local.get $j) (local.get $st)) (i32.const 3)))
      (f64.store offset=32 (local.get $st) (local.get $u))))
    (i32.store (local.get $st) (local.get $s0)) (i32.store offset=4 (local.get $st) (local.get $s1))
    (i32.store offset=8 (local.get $st) (local.get $s2)) (i32.store offset=12 (local.get $st) (local.get $s3))
    ;; back to bits and left: the marker's position is 7·left
    (local.set $left (i32.div_u (i32.sub (i32.const 31) (i32.clz (local.get $word))) (i32.const 7)))
    (i32.store offset=16 (local.get $st) (i32.xor (local.get $word) (i32.shl (i32.const 1) (i32.mul (local.get $left) (i32.const 7)))))
    (i32.store offset=20 (local.get $st) (local.get $left))
    (local.get $p))

;; chainPairs: the pair loop of one layer of the depth-degeneracy chain (src/core/degeneracy/simulate.ts
;; chainPath, where the law is argued), the same operations in the same order, so the same bits. For
;; i < want while gotP < nP: u = g[2i], d = s·g[2i+1] − c1·u (c1 = 1 − cos θ), v = u + d; a pair with
;; u ≤ 0 and v ≤ 0 is reflected (all three negated: a flip of their sign bits, so no branch on this coin
;; toss); a pair with u, v > 0 is a sector pair (a[m] = u, e[m] = d), else one with u > 0 or v > 0 is a
;; wedge pair while gotW < nW (a[m] = σ(u), e[m] = σ(v) − σ(u)), each adding a², b², a·e into the sums.
;; acc holds [aa, bb, ae] (f64) and at acc+40 [m, gotP, gotW] (i32), read and written back. e lies 30720
;; bytes after a (3840 pairs, the most one block of draws holds: src/core/kernels/wasm.ts CHAIN_E), and
;; a[m], e[m] are written by one pointer: V8 then keeps the loop's values in registers.
  (func $chainPairs (export "chainPairs") (param $g i32) (param $want i32) (param $s f64) (param $c1 f64)
    (param $nP i32) (param $nW i32) (param $acc i32) (param $a i32)
    (local $end i32) (local $pm i32) (local $gotP i32) (local $gotW i32)
    (local $aa f64) (local $bb f64) (local $ae f64) (local $u f64) (local $d f64) (local $v f64)
    (local $flip i64) (local $ai f64) (local $bi f64) (local $ei f64)
    (local.set $aa (f64.load (local.get $acc))) (local.set $bb (f64.load offset=8 (local.get $acc)))
    (local.set $ae (f64.load offset=16 (local.get $acc)))
    (local.set $pm (i32.add (local.get $a) (i32.shl (i32.load offset=40 (local.get $acc)) (i32.const 3))))
    (local.set $gotP (i32.load offset=44 (local.get $acc)))
    (local.set $gotW (i32.load offset=48 (local.get $acc)))
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $want) (i32.const 4))))
    (block $done (loop $pair
      (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
      (br_if $done (i32.ge_s (local.get $gotP) (local.get $nP)))
      (local.set $u (f64.load (local.get $g)))
      (local.set $d (f64.sub (f64.mul (local.get $s) (f64.load offset=8 (local.get $g))) (f64.mul (local.get $c1) (local.get $u))))
      (local.set $v (f64.add (local.get $u) (local.get $d)))
      (local.set $flip (i64.shl (i64.extend_i32_u (i32.and (f64.le (local.get $u) (f64.const 0)) (f64.le (local.get $v) (f64.const 0)))) (i64.const 63)))
      (local.set $u (f64.reinterpret_i64 (i64.xor (i64.reinterpret_f64 (local.get $u)) (local.get $flip))))
      (local.set $d (f64.reinterpret_i64 (i64.xor (i64.reinterpret_f64 (local.get $d)) (local.get $flip))))
      (local.set $v (f64.reinterpret_i64 (i64.xor (i64.reinterpret_f64 (local.get $v)) (local.get $flip))))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (if (i32.and (f64.gt (local.get $u) (f64.const 0)) (f64.gt (local.get $v) (f64.const 0)))
        (then
          (f64.store (local.get $pm) (local.get $u))
          (f64.store offset=30720 (local.get $pm) (local.get $d))
          (local.set $pm (i32.add (local.get $pm) (i32.const 8)))
          (local.set $gotP (i32.add (local.get $gotP) (i32.const 1)))
          (local.set $aa (f64.add (local.get $aa) (f64.mul (local.get $u) (local.get $u))))
          (local.set $bb (f64.add (local.get $bb) (f64.mul (local.get $v) (local.get $v))))
          (local.set $ae (f64.add (local.get $ae) (f64.mul (local.get $u) (local.get $d))))
          (br $pair)))
      (br_if $pair (i32.eqz (i32.and
        (i32.or (f64.gt (local.get $u) (f64.const 0)) (f64.gt (local.get $v) (f64.const 0)))
        (i32.lt_s (local.get $gotW) (local.get $nW)))))
      (local.set $ai (f64.max (local.get $u) (f64.const 0)))
      (local.set $bi (f64.max (local.get $v) (f64.const 0)))
      (local.set $ei (f64.sub (local.get $bi) (local.get $ai)))
      (f64.store (local.get $pm) (local.get $ai))
      (f64.store offset=30720 (local.get $pm) (local.get $ei))
      (local.set $pm (i32.add (local.get $pm) (i32.const 8)))
      (local.set $gotW (i32.add (local.get $gotW) (i32.const 1)))
      (local.set $aa (f64.add (local.get $aa) (f64.mul (local.get $ai) (local.get $ai))))
      (local.set $bb (f64.add (local.get $bb) (f64.mul (local.get $bi) (local.get $bi))))
      (local.set $ae (f64.add (local.get $ae) (f64.mul (local.get $ai) (local.get $ei))))
      (br $pair)))
    (f64.store (local.get $acc) (local.get $aa)) (f64.store offset=8 (local.get $acc) (local.get $bb))
    (f64.store offset=16 (local.get $acc) (local.get $ae))
    (i32.store offset=40 (local.get $acc) (i32.shr_u (i32.sub (local.get $pm) (local.get $a)) (i32.const 3)))
    (i32.store offset=44 (local.get $acc) (local.get $gotP))
    (i32.store offset=48 (local.get $acc) (local.get $gotW)))

;; chainWedges: the wedge pairs of a chain layer that the pair loop did not meet (simulate.ts chainPath,
;; step 4 of its law), `count` of them by the polar form with the generator's state at st (as fillNormal's,
;; brought in and taken out by Rng.drawIn): each takes U₁, U₂ (Rng.uniform, two outputs each) and a coin
;; (one output's low bit): R = √(−2 ln(1 − U₁)), t = θU₂; on heads the point of W₁₀, a = R sin t, e = −a,
;; else the point of W₀₁, a = 0, e = R sin(θ − t). The same operations in the same order as chainPath's
;; JavaScript loop, Math.log and Math.sin imported, so the same bits. Appends at a[m], e[m] and adds
;; into aa, bb, ae; acc as chainPairs' (m and gotW updated).
  (func $chainWedges (export "chainWedges") (param $st i32) (param $count i32) (param $theta f64) (param $acc i32) (param $a i32) (param $e i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $x i32) (local $t i32) (local $k i32) (local $m i32)
    (local $hi f64) (local $U f64) (local $r f64) (local $tw f64) (local $v f64) (local $aa f64) (local $bb f64) (local $ae f64)
    (local.set $s0 (i32.load (local.get $st))) (local.set $s1 (i32.load offset=4 (local.get $st)))
    (local.set $s2 (i32.load offset=8 (local.get $st))) (local.set $s3 (i32.load offset=12 (local.get $st)))
    (local.set $aa (f64.load (local.get $acc))) (local.set $bb (f64.load offset=8 (local.get $acc)))
    (local.set $ae (f64.load offset=16 (local.get $acc)))
    (local.set $m (i32.shl (i32.load offset=40 (local.get $acc)) (i32.const 3)))
    (block $done (loop $each
      (br_if $done (i32.ge_s (local.get $k) (local.get $count)))
      (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0))) (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2))) (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t))) (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (local.set $hi (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $x) (i32.const 5))) (f64.const 67108864)))
      (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0))) (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2))) (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t))) (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (local.set $U (f64.div (f64.add (local.get $hi) (f64.convert_i32_u (i32.shr_u (local.get $x) (i32.const 6)))) (f64.const 9007199254740992)))
      (local.set $r (f64.sqrt (f64.mul (f64.const -2) (call $log (f64.sub (f64.const 1) (local.get $U))))))
      (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0))) (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2))) (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t))) (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (local.set $hi (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $x) (i32.const 5))) (f64.const 67108864)))
      (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0))) (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2))) (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t))) (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (local.set $U (f64.div (f64.add (local.get $hi) (f64.convert_i32_u (i32.shr_u (local.get $x) (i32.const 6)))) (f64.const 9007199254740992)))
      (local.set $tw (f64.mul (local.get $theta) (local.get $U)))
      (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0))) (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2))) (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t))) (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (if (i32.and (local.get $x) (i32.const 1))
        (then
          ;; W₁₀: u = R sin t > 0, v ≤ 0, e = −u
          (local.set $v (f64.mul (local.get $r) (call $sin (local.get $tw))))
          (f64.store (i32.add (local.get $a) (local.get $m)) (local.get $v))
          (f64.store (i32.add (local.get $e) (local.get $m)) (f64.neg (local.get $v)))
          (local.set $aa (f64.add (local.get $aa) (f64.mul (local.get $v) (local.get $v))))
          (local.set $ae (f64.sub (local.get $ae) (f64.mul (local.get $v) (local.get $v)))))
        (else
          ;; W₀₁: u ≤ 0, v = R sin(θ − t) > 0, e = v
          (local.set $v (f64.mul (local.get $r) (call $sin (f64.sub (local.get $theta) (local.get $tw)))))
          (f64.store (i32.add (local.get $a) (local.get $m)) (f64.const 0))
          (f64.store (i32.add (local.get $e) (local.get $m)) (local.get $v))
          (local.set $bb (f64.add (local.get $bb) (f64.mul (local.get $v) (local.get $v))))))
      (local.set $m (i32.add (local.get $m) (i32.const 8)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $each)))
    (i32.store (local.get $st) (local.get $s0)) (i32.store offset=4 (local.get $st) (local.get $s1))
    (i32.store offset=8 (local.get $st) (local.get $s2)) (i32.store offset=12 (local.get $st) (local.get $s3))
    (f64.store (local.get $acc) (local.get $aa)) (f64.store offset=8 (local.get $acc) (local.get $bb))
    (f64.store offset=16 (local.get $acc) (local.get $ae))
    (i32.store offset=40 (local.get $acc) (i32.shr_u (local.get $m) (i32.const 3)))
    (i32.store offset=48 (local.get $acc) (i32.add (i32.load offset=48 (local.get $acc)) (local.get $count))))

;; chainResidual: the end of a chain layer, ê_i = e_i·inv and r = Σ (ê_i − k·a_i)², ee = Σ ê_i² for
;; i < m, in order (chainPath's loop, the same bits); r and ee go to acc+24 and acc+32.
  (func $chainResidual (export "chainResidual") (param $a i32) (param $e i32) (param $m i32) (param $inv f64) (param $k f64) (param $acc i32)
    (local $end i32) (local $r f64) (local $ee f64) (local $ei f64) (local $di f64)
    (local.set $end (i32.add (local.get $e) (i32.shl (local.get $m) (i32.const 3))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $e) (local.get $end)))
      (local.set $ei (f64.mul (f64.load (local.get $e)) (local.get $inv)))
      (local.set $di (f64.sub (local.get $ei) (f64.mul (local.get $k) (f64.load (local.get $a)))))
      (local.set $r (f64.add (local.get $r) (f64.mul (local.get $di) (local.get $di))))
      (local.set $ee (f64.add (local.get $ee) (f64.mul (local.get $ei) (local.get $ei))))
      (local.set $e (i32.add (local.get $e) (i32.const 8)))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br $each)))
    (f64.store offset=24 (local.get $acc) (local.get $r))
    (f64.store offset=32 (local.get $acc) (local.get $ee)))

;; sgdRows4: the second pass of the mean-field SGD step over a block of four rows of W2
;; (src/core/training/meanField.ts `update`), while the rows are still in the L1 cache from the first
;; (`dots`). With coef = [c_a, c_b, c_c, c_d, n_a, n_b, n_c, n_d], for every i < n:
;;   v_r = w_r[i] + c_r·δ_i (r = a, b, c, d; stored back), z_i ← z_i + ((v_a·n_a + v_b·n_b) + (v_c·n_c + v_d·n_d)).
;; Elementwise in i, each operation rounded as in the scalar loop: the same bits two at a time.
  (func $sgdRows4 (export "sgdRows4") (param $w i32) (param $n i32) (param $d i32) (param $coef i32) (param $z i32)
    (local $p i32) (local $end i32) (local $rowBytes i32) (local $dv v128)
    (local $ca v128) (local $cb v128) (local $cc v128) (local $cd v128)
    (local $na v128) (local $nb v128) (local $nc v128) (local $nd v128)
    (local $va v128) (local $vb v128) (local $vc v128) (local $vd v128)
    (local $wa i32) (local $wb i32) (local $wc i32) (local $wd i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $wa (local.get $w))
    (local.set $wb (i32.add (local.get $wa) (local.get $rowBytes)))
    (local.set $wc (i32.add (local.get $wb) (local.get $rowBytes)))
    (local.set $wd (i32.add (local.get $wc) (local.get $rowBytes)))
    (local.set $ca (v128.load64_splat (local.get $coef)))
    (local.set $cb (v128.load64_splat offset=8 (local.get $coef)))
    (local.set $cc (v128.load64_splat offset=16 (local.get $coef)))
    (local.set $cd (v128.load64_splat offset=24 (local.get $coef)))
    (local.set $na (v128.load64_splat offset=32 (local.get $coef)))
    (local.set $nb (v128.load64_splat offset=40 (local.get $coef)))
    (local.set $nc (v128.load64_splat offset=48 (local.get $coef)))
    (local.set $nd (v128.load64_splat offset=56 (local.get $coef)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $dv (v128.load (i32.add (local.get $d) (local.get $p))))
      (local.set $va (f64x2.add (v128.load (i32.add (local.get $wa) (local.get $p))) (f64x2.mul (local.get $ca) (local.get $dv))))
      (local.set $vb (f64x2.add (v128.load (i32.add (local.get $wb) (local.get $p))) (f64x2.mul (local.get $cb) (local.get $dv))))
      (local.set $vc (f64x2.add (v128.load (i32.add (local.get $wc) (local.get $p))) (f64x2.mul (local.get $cc) (local.get $dv))))
      (local.set $vd (f64x2.add (v128.load (i32.add (local.get $wd) (local.get $p))) (f64x2.mul (local.get $cd) (local.get $dv))))
      (v128.store (i32.add (local.get $wa) (local.get $p)) (local.get $va))
      (v128.store (i32.add (local.get $wb) (local.get $p)) (local.get $vb))
      (v128.store (i32.add (local.get $wc) (local.get $p)) (local.get $vc))
      (v128.store (i32.add (local.get $wd) (local.get $p)) (local.get $vd))
      (v128.store (i32.add (local.get $z) (local.get $p))
        (f64x2.add (v128.load (i32.add (local.get $z) (local.get $p)))
          (f64x2.add
            (f64x2.add (f64x2.mul (local.get $va) (local.get $na)) (f64x2.mul (local.get $vb) (local.get $nb)))
            (f64x2.add (f64x2.mul (local.get $vc) (local.get $nc)) (f64x2.mul (local.get $vd) (local.get $nd))))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $pairs)))
    ;; odd n: the last i in scalar arithmetic (lane 0 of the splats)
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $dv (v128.load64_splat (i32.add (local.get $d) (local.get $end))))
        (local.set $va (f64x2.add (v128.load64_splat (i32.add (local.get $wa) (local.get $end))) (f64x2.mul (local.get $ca) (local.get $dv))))
        (local.set $vb (f64x2.add (v128.load64_splat (i32.add (local.get $wb) (local.get $end))) (f64x2.mul (local.get $cb) (local.get $dv))))
        (local.set $vc (f64x2.add (v128.load64_splat (i32.add (local.get $wc) (local.get $end))) (f64x2.mul (local.get $cc) (local.get $dv))))
        (local.set $vd (f64x2.add (v128.load64_splat (i32.add (local.get $wd) (local.get $end))) (f64x2.mul (local.get $cd) (local.get $dv))))
        (v128.store64_lane 0 (i32.add (local.get $wa) (local.get $end)) (local.get $va))
        (v128.store64_lane 0 (i32.add (local.get $wb) (local.get $end)) (local.get $vb))
        (v128.store64_lane 0 (i32.add (local.get $wc) (local.get $end)) (local.get $vc))
        (v128.store64_lane 0 (i32.add (local.get $wd) (local.get $end)) (local.get $vd))
        (v128.store64_lane 0 (i32.add (local.get $z) (local.get $end))
          (f64x2.add (v128.load64_splat (i32.add (local.get $z) (local.get $end)))
            (f64x2.add
              (f64x2.add (f64x2.mul (local.get $va) (local.get $na)) (f64x2.mul (local.get $vb) (local.get $nb)))
              (f64x2.add (f64x2.mul (local.get $vc) (local.get $nc)) (f64x2.mul (local.get $vd) (local.get $nd)))))))))

  ;; affineMix: the rest of one layer of an affine family at one input, after M x (stepper.ts
  ;; AffineStep, W_k never formed): pre = a·x + s·mx + t·v, out = relu(pre) (or pre), for m entries.
  ;; The mx part only when `flags` bit 0, the v part only when bit 1, relu when bit 2. Each entry is
  ;; ((a·x_i) + s·mx_i) + t·v_i, rounded per operation as in the scalar loop; an entry that is not > 0
  ;; (NaN included) becomes +0. Returns the number of ReLU units with pre ≤ 0 (0 without relu).
  (func $affineMix (param $x i32) (param $mx i32) (param $v i32) (param $pre i32) (param $out i32) (param $m i32)
    (param $a f64) (param $s f64) (param $t f64) (param $flags i32) (result i32)
    (local $i i32) (local $off i32) (local $y v128) (local $mask v128) (local $inactive i32)
    (local $useM i32) (local $useV i32) (local $relu i32) (local $ys f64)
    (local.set $useM (i32.and (local.get $flags) (i32.const 1)))
    (local.set $useV (i32.and (local.get $flags) (i32.const 2)))
    (local.set $relu (i32.and (local.get $flags) (i32.const 4)))
    (block $pairsDone (loop $pairs
      (br_if $pairsDone (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $m)))
      (local.set $off (i32.shl (local.get $i) (i32.const 3)))
      (local.set $y (f64x2.mul (f64x2.splat (local.get $a)) (v128.load (i32.add (local.get $x) (local.get $off)))))
      (if (local.get $useM) (then
        (local.set $y (f64x2.add (local.get $y) (f64x2.mul (f64x2.splat (local.get $s)) (v128.load (i32.add (local.get $mx) (local.get $off))))))))
      (if (local.get $useV) (then
        (local.set $y (f64x2.add (local.get $y) (f64x2.mul (f64x2.splat (local.get $t)) (v128.load (i32.add (local.get $v) (local.get $off))))))))
      (v128.store (i32.add (local.get $pre) (local.get $off)) (local.get $y))
      (if (local.get $relu)
        (then
          (local.set $mask (f64x2.gt (local.get $y) (v128.const f64x2 0 0)))
          (v128.store (i32.add (local.get $out) (local.get $off)) (v128.and (local.get $y) (local.get $mask)))
          (local.set $inactive (i32.add (local.get $inactive)
            (i32.sub (i32.const 2) (i32.popcnt (i64x2.bitmask (local.get $mask)))))))
        (else (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $y))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $pairs)))
    (if (i32.lt_s (local.get $i) (local.get $m))
      (then
        (local.set $off (i32.shl (local.get $i) (i32.const 3)))
        (local.set $ys (f64.mul (local.get $a) (f64.load (i32.add (local.get $x) (local.get $off)))))
        (if (local.get $useM) (then
          (local.set $ys (f64.add (local.get $ys) (f64.mul (local.get $s) (f64.load (i32.add (local.get $mx) (local.get $off))))))))
        (if (local.get $useV) (then
          (local.set $ys (f64.add (local.get $ys) (f64.mul (local.get $t) (f64.load (i32.add (local.get $v) (local.get $off))))))))
        (f64.store (i32.add (local.get $pre) (local.get $off)) (local.get $ys))
        (if (i32.and (i32.ne (local.get $relu) (i32.const 0)) (i32.eqz (f64.gt (local.get $ys) (f64.const 0))))
          (then
            (f64.store (i32.add (local.get $out) (local.get $off)) (f64.const 0))
            (local.set $inactive (i32.add (local.get $inactive) (i32.const 1))))
          (else (f64.store (i32.add (local.get $out) (local.get $off)) (local.get $ys))))))
    (local.get $inactive))

  ;; affineMixRows: affineMix on `rows` inputs at once, X, MX, PRE and OUT [rows][m] (MX = M X from
  ;; `dense`), the inactive count of row r into the i32 at counts + 4r: one call per layer for all probes.
  (func $affineMixRows (export "affineMixRows") (param $X i32) (param $MX i32) (param $v i32) (param $PRE i32) (param $OUT i32) (param $m i32)
    (param $rows i32) (param $a f64) (param $s f64) (param $t f64) (param $flags i32) (param $counts i32)
    (local $r i32) (local $at i32)
    (block $done (loop $each
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $at (i32.mul (local.get $r) (i32.shl (local.get $m) (i32.const 3))))
      (i32.store (i32.add (local.get $counts) (i32.shl (local.get $r) (i32.const 2)))
        (call $affineMix (i32.add (local.get $X) (local.get $at)) (i32.add (local.get $MX) (local.get $at)) (local.get $v)
          (i32.add (local.get $PRE) (local.get $at)) (i32.add (local.get $OUT) (local.get $at)) (local.get $m)
          (local.get $a) (local.get $s) (local.get $t) (local.get $flags)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each))))

  ;; Stores the first `count` (1 to 3) of neurons i..i+3 of one sample at p (lo = i, i+1; hi = i+2,
  ;; i+3): the last panel of a width that is not a multiple of 4 must not write into the next row.
  (func $storeFirst (param $p i32) (param $lo v128) (param $hi v128) (param $count i32)
    (v128.store64_lane 0 (local.get $p) (local.get $lo))
    (if (i32.ge_s (local.get $count) (i32.const 2))
      (then (v128.store64_lane offset=8 1 (local.get $p) (local.get $lo))))
    (if (i32.ge_s (local.get $count) (i32.const 3))
      (then (v128.store64_lane offset=16 0 (local.get $p) (local.get $hi))))))
