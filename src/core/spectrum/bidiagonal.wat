;; The inner pass of Householder bidiagonalization (src/core/spectrum/svd.ts) in WebAssembly with
;; 128-bit SIMD (f64x2): the one loop that carries all 8n³/3 flops of the full SVD.
;;
;; This text is the source: scripts/build-spectrum-wasm.mjs compiles it with wabt (the same compiler
;; and settings as src/core/kernels) into bidiagonal.wasm.ts, which test/unit/spectrum.test.ts checks
;; is not stale. Pointers are byte offsets into the exported memory; rows are n float64 each.
;;
;; rowsPass, for every row i in [rowStart, rowEnd) of the m×n matrix at $a (step k, columns c1 = k+1..n−1):
;;   v_i = a[i][k]·vTau;  a[i][j] −= v_i·w[j]                  (the left reflector's update)
;;   z = tauR·Σ_j a[i][j]·u[j];                                  (the right reflector's product)
;;   then, when accumulating and i > c1, x = a[i][c1] − z·u[c1] (the next column's entry) and
;;     a[i][j] −= z·u[j];  next[j] += x·a[i][j];  nextSq += x²  (update and next left product, fused)
;;   else a[i][j] −= z·u[j].
;; Returns nextSq. Sums run in two lanes (and two accumulators), so the result agrees with the scalar
;; loop of svd.ts to rounding, not bit for bit.
(module
  (memory (export "memory") 1)

  (func $rowsPass (export "rowsPass")
    (param $a i32) (param $n i32) (param $k i32) (param $c1 i32) (param $rowStart i32) (param $rowEnd i32)
    (param $vTau f64) (param $w i32) (param $u i32) (param $tauR f64) (param $next i32) (param $accumulate i32)
    (result f64)
    (local $i i32) (local $row i32) (local $p i32) (local $end i32) (local $end4 i32)
    (local $wp i32) (local $up i32) (local $np i32)
    (local $vi f64) (local $z f64) (local $x f64) (local $t f64) (local $nextSq f64)
    (local $viv v128) (local $zv v128) (local $xv v128) (local $acc0 v128) (local $acc1 v128) (local $t0 v128) (local $t1 v128)
    (local $rowBytes i32) (local $head i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $head (i32.shl (local.get $c1) (i32.const 3)))
    (local.set $i (local.get $rowStart))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $rowEnd)))
        (local.set $row (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $row) (local.get $rowBytes)))
        ;; the last position where 4 numbers still fit
        (local.set $end4 (i32.sub (local.get $end) (i32.const 32)))
        (local.set $vi (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3)))) (local.get $vTau)))
        ;; ── loop 1: left update and the right product ──
        (local.set $viv (f64x2.splat (local.get $vi)))
        (local.set $acc0 (v128.const f64x2 0 0))
        (local.set $acc1 (v128.const f64x2 0 0))
        (local.set $p (i32.add (local.get $row) (local.get $head)))
        (local.set $wp (i32.add (local.get $w) (local.get $head)))
        (local.set $up (i32.add (local.get $u) (local.get $head)))
        (block $l1done
          (loop $l1
            (br_if $l1done (i32.gt_s (local.get $p) (local.get $end4)))
            (local.set $t0 (f64x2.sub (v128.load align=8 (local.get $p)) (f64x2.mul (local.get $viv) (v128.load align=8 (local.get $wp)))))
            (local.set $t1 (f64x2.sub (v128.load offset=16 align=8 (local.get $p)) (f64x2.mul (local.get $viv) (v128.load offset=16 align=8 (local.get $wp)))))
            (v128.store align=8 (local.get $p) (local.get $t0))
            (v128.store offset=16 align=8 (local.get $p) (local.get $t1))
            (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $t0) (v128.load align=8 (local.get $up)))))
            (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $t1) (v128.load offset=16 align=8 (local.get $up)))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $wp (i32.add (local.get $wp) (i32.const 32)))
            (local.set $up (i32.add (local.get $up) (i32.const 32)))
            (br $l1)))
        (local.set $acc0 (f64x2.add (local.get $acc0) (local.get $acc1)))
        (local.set $z (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))))
        (block $t1done
          (loop $t1loop
            (br_if $t1done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $t (f64.sub (f64.load (local.get $p)) (f64.mul (local.get $vi) (f64.load (local.get $wp)))))
            (f64.store (local.get $p) (local.get $t))
            (local.set $z (f64.add (local.get $z) (f64.mul (local.get $t) (f64.load (local.get $up)))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (local.set $wp (i32.add (local.get $wp) (i32.const 8)))
            (local.set $up (i32.add (local.get $up) (i32.const 8)))
            (br $t1loop)))
        (local.set $z (f64.mul (local.get $z) (local.get $tauR)))
        (local.set $zv (f64x2.splat (local.get $z)))
        (local.set $p (i32.add (local.get $row) (local.get $head)))
        (local.set $up (i32.add (local.get $u) (local.get $head)))
        (local.set $x (f64.const 0))
        (if (i32.and (local.get $accumulate) (i32.gt_s (local.get $i) (local.get $c1)))
          (then
            (local.set $x (f64.sub (f64.load (local.get $p)) (f64.mul (local.get $z) (f64.load (local.get $up)))))))
        (if (f64.ne (local.get $x) (f64.const 0))
          (then
            ;; ── loop 2: right update and the next left product ──
            (local.set $nextSq (f64.add (local.get $nextSq) (f64.mul (local.get $x) (local.get $x))))
            (local.set $xv (f64x2.splat (local.get $x)))
            (local.set $np (i32.add (local.get $next) (local.get $head)))
            (block $l2done
              (loop $l2
                (br_if $l2done (i32.gt_s (local.get $p) (local.get $end4)))
                (local.set $t0 (f64x2.sub (v128.load align=8 (local.get $p)) (f64x2.mul (local.get $zv) (v128.load align=8 (local.get $up)))))
                (local.set $t1 (f64x2.sub (v128.load offset=16 align=8 (local.get $p)) (f64x2.mul (local.get $zv) (v128.load offset=16 align=8 (local.get $up)))))
                (v128.store align=8 (local.get $p) (local.get $t0))
                (v128.store offset=16 align=8 (local.get $p) (local.get $t1))
                (v128.store align=8 (local.get $np) (f64x2.add (v128.load align=8 (local.get $np)) (f64x2.mul (local.get $xv) (local.get $t0))))
                (v128.store offset=16 align=8 (local.get $np) (f64x2.add (v128.load offset=16 align=8 (local.get $np)) (f64x2.mul (local.get $xv) (local.get $t1))))
                (local.set $p (i32.add (local.get $p) (i32.const 32)))
                (local.set $up (i32.add (local.get $up) (i32.const 32)))
                (local.set $np (i32.add (local.get $np) (i32.const 32)))
                (br $l2)))
            (block $t2done
              (loop $t2loop
                (br_if $t2done (i32.ge_u (local.get $p) (local.get $end)))
                (local.set $t (f64.sub (f64.load (local.get $p)) (f64.mul (local.get $z) (f64.load (local.get $up)))))
                (f64.store (local.get $p) (local.get $t))
                (f64.store (local.get $np) (f64.add (f64.load (local.get $np)) (f64.mul (local.get $x) (local.get $t))))
                (local.set $p (i32.add (local.get $p) (i32.const 8)))
                (local.set $up (i32.add (local.get $up) (i32.const 8)))
                (local.set $np (i32.add (local.get $np) (i32.const 8)))
                (br $t2loop))))
          (else
            (if (f64.ne (local.get $z) (f64.const 0))
              (then
                ;; ── loop 3: right update only ──
                (block $l3done
                  (loop $l3
                    (br_if $l3done (i32.gt_s (local.get $p) (local.get $end4)))
                    (v128.store align=8 (local.get $p) (f64x2.sub (v128.load align=8 (local.get $p)) (f64x2.mul (local.get $zv) (v128.load align=8 (local.get $up)))))
                    (v128.store offset=16 align=8 (local.get $p) (f64x2.sub (v128.load offset=16 align=8 (local.get $p)) (f64x2.mul (local.get $zv) (v128.load offset=16 align=8 (local.get $up)))))
                    (local.set $p (i32.add (local.get $p) (i32.const 32)))
                    (local.set $up (i32.add (local.get $up) (i32.const 32)))
                    (br $l3)))
                (block $t3done
                  (loop $t3loop
                    (br_if $t3done (i32.ge_u (local.get $p) (local.get $end)))
                    (f64.store (local.get $p) (f64.sub (f64.load (local.get $p)) (f64.mul (local.get $z) (f64.load (local.get $up)))))
                    (local.set $p (i32.add (local.get $p) (i32.const 8)))
                    (local.set $up (i32.add (local.get $up) (i32.const 8)))
                    (br $t3loop)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $eachRow)))
    (local.get $nextSq))
)
