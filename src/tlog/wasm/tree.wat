;; SHA-256 and RFC 9162 tree hashing for the verifier's bulk paths (audits, root
;; rebuilds). The source of src/tlog/wasm/tree-bytes.ts: regenerate that file
;; with `node src/tlog/wasm/build.mjs` after any change here (a test checks they agree).
;;
;; Memory (one page):
;;   0     K, the 64 round constants
;;   256   W, the message schedule
;;   512   the working state (8 words)
;;   544   MSG: a leaf (0x00 || d) or node (0x01 || l || r) message, 65 bytes
;;   640   TAIL: the padded last block(s), 128 bytes
;;   1024  STACK: subtree roots of a streaming tree, 64 x 32 bytes
;;   3072  OUT: 32 bytes
;;   3200  OUT4: four hashes, 128 bytes
;;   3584  SV: the state of four interleaved hashes (8 x v128)
;;   4096  IN: input, up to 61,440 bytes (a batch of leaves, or one message)
;;   65536 WV: the message schedules of four hashes (64 x v128)
;;   69632 LEVEL: one level of a perfect batch tree, 1,024 x 32 bytes
;;   102400 SLOTS: four messages hashed together, 1,024 bytes each
;; Hashes in memory are SHA-256 output bytes (big-endian words).
(module
  (memory (export "memory") 2 2)
  (data (i32.const 0)
    "\98\2f\8a\42\91\44\37\71\cf\fb\c0\b5\a5\db\b5\e9\5b\c2\56\39\f1\11\f1\59\a4\82\3f\92\d5\5e\1c\ab"
    "\98\aa\07\d8\01\5b\83\12\be\85\31\24\c3\7d\0c\55\74\5d\be\72\fe\b1\de\80\a7\06\dc\9b\74\f1\9b\c1"
    "\c1\69\9b\e4\86\47\be\ef\c6\9d\c1\0f\cc\a1\0c\24\6f\2c\e9\2d\aa\84\74\4a\dc\a9\b0\5c\da\88\f9\76"
    "\52\51\3e\98\6d\c6\31\a8\c8\27\03\b0\c7\7f\59\bf\f3\0b\e0\c6\47\91\a7\d5\51\63\ca\06\67\29\29\14"
    "\85\0a\b7\27\38\21\1b\2e\fc\6d\2c\4d\13\0d\38\53\54\73\0a\65\bb\0a\6a\76\2e\c9\c2\81\85\2c\72\92"
    "\a1\e8\bf\a2\4b\66\1a\a8\70\8b\4b\c2\a3\51\6c\c7\19\e8\92\d1\24\06\99\d6\85\35\0e\f4\70\a0\6a\10"
    "\16\c1\a4\19\08\6c\37\1e\4c\77\48\27\b5\bc\b0\34\b3\0c\1c\39\4a\aa\d8\4e\4f\ca\9c\5b\f3\6f\2e\68"
    "\ee\82\8f\74\6f\63\a5\78\14\78\c8\84\08\02\c7\8c\fa\ff\be\90\eb\6c\50\a4\f7\a3\f9\be\f2\78\71\c6")

  (func $bswap (param $x i32) (result i32)
    (i32.or
      (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
      (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))

  ;; One compression of the 64-byte block at $block into the state at 512.
  (func $compress (param $block i32)
    (local $i i32) (local $x i32) (local $y i32) (local $t1 i32) (local $t2 i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (loop $load
      (i32.store offset=256 (local.get $i)
        (call $bswap (i32.load (i32.add (local.get $block) (local.get $i)))))
      (br_if $load (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 64))))
    (loop $schedule
      (local.set $x (i32.load offset=196 (local.get $i)))   ;; W[i-15]
      (local.set $y (i32.load offset=248 (local.get $i)))   ;; W[i-2]
      (i32.store offset=256 (local.get $i)
        (i32.add
          (i32.add (i32.load offset=192 (local.get $i)) (i32.load offset=228 (local.get $i)))  ;; W[i-16] + W[i-7]
          (i32.add
            (i32.xor (i32.xor (i32.rotr (local.get $x) (i32.const 7)) (i32.rotr (local.get $x) (i32.const 18)))
                     (i32.shr_u (local.get $x) (i32.const 3)))
            (i32.xor (i32.xor (i32.rotr (local.get $y) (i32.const 17)) (i32.rotr (local.get $y) (i32.const 19)))
                     (i32.shr_u (local.get $y) (i32.const 10))))))
      (br_if $schedule (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 256))))
    (local.set $a (i32.load (i32.const 512)))
    (local.set $b (i32.load (i32.const 516)))
    (local.set $c (i32.load (i32.const 520)))
    (local.set $d (i32.load (i32.const 524)))
    (local.set $e (i32.load (i32.const 528)))
    (local.set $f (i32.load (i32.const 532)))
    (local.set $g (i32.load (i32.const 536)))
    (local.set $h (i32.load (i32.const 540)))
    (local.set $i (i32.const 0))
    (loop $round
      (local.set $t1
        (i32.add
          (i32.add (local.get $h)
            (i32.xor (i32.xor (i32.rotr (local.get $e) (i32.const 6)) (i32.rotr (local.get $e) (i32.const 11)))
                     (i32.rotr (local.get $e) (i32.const 25))))
          (i32.add
            (i32.xor (local.get $g) (i32.and (local.get $e) (i32.xor (local.get $f) (local.get $g))))
            (i32.add (i32.load (local.get $i)) (i32.load offset=256 (local.get $i))))))
      (local.set $t2
        (i32.add
          (i32.xor (i32.xor (i32.rotr (local.get $a) (i32.const 2)) (i32.rotr (local.get $a) (i32.const 13)))
                   (i32.rotr (local.get $a) (i32.const 22)))
          (i32.or (i32.and (local.get $a) (local.get $b))
                  (i32.and (local.get $c) (i32.or (local.get $a) (local.get $b))))))
      (local.set $h (local.get $g))
      (local.set $g (local.get $f))
      (local.set $f (local.get $e))
      (local.set $e (i32.add (local.get $d) (local.get $t1)))
      (local.set $d (local.get $c))
      (local.set $c (local.get $b))
      (local.set $b (local.get $a))
      (local.set $a (i32.add (local.get $t1) (local.get $t2)))
      (br_if $round (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 256))))
    (i32.store (i32.const 512) (i32.add (i32.load (i32.const 512)) (local.get $a)))
    (i32.store (i32.const 516) (i32.add (i32.load (i32.const 516)) (local.get $b)))
    (i32.store (i32.const 520) (i32.add (i32.load (i32.const 520)) (local.get $c)))
    (i32.store (i32.const 524) (i32.add (i32.load (i32.const 524)) (local.get $d)))
    (i32.store (i32.const 528) (i32.add (i32.load (i32.const 528)) (local.get $e)))
    (i32.store (i32.const 532) (i32.add (i32.load (i32.const 532)) (local.get $f)))
    (i32.store (i32.const 536) (i32.add (i32.load (i32.const 536)) (local.get $g)))
    (i32.store (i32.const 540) (i32.add (i32.load (i32.const 540)) (local.get $h))))

  ;; SHA-256 of $len bytes at $msg, written at $out (may overlap the message: read first).
  (func $digest (export "digest") (param $msg i32) (param $len i32) (param $out i32)
    (local $p i32) (local $rest i32) (local $end i32) (local $i i32)
    (i64.store (i32.const 512) (i64.const 0xbb67ae856a09e667))
    (i64.store (i32.const 520) (i64.const 0xa54ff53a3c6ef372))
    (i64.store (i32.const 528) (i64.const 0x9b05688c510e527f))
    (i64.store (i32.const 536) (i64.const 0x5be0cd191f83d9ab))
    (block $done
      (loop $blocks
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 64)) (local.get $len)))
        (call $compress (i32.add (local.get $msg) (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $blocks)))
    (local.set $rest (i32.sub (local.get $len) (local.get $p)))
    (memory.fill (i32.const 640) (i32.const 0) (i32.const 128))
    (memory.copy (i32.const 640) (i32.add (local.get $msg) (local.get $p)) (local.get $rest))
    (i32.store8 offset=640 (local.get $rest) (i32.const 0x80))
    (local.set $end (select (i32.const 768) (i32.const 704) (i32.gt_u (local.get $rest) (i32.const 55))))
    ;; Bit length, big-endian, in the last 8 bytes (messages here are far below 2^29 bytes).
    (i32.store (i32.sub (local.get $end) (i32.const 4)) (call $bswap (i32.shl (local.get $len) (i32.const 3))))
    (call $compress (i32.const 640))
    (if (i32.eq (local.get $end) (i32.const 768)) (then (call $compress (i32.const 704))))
    (loop $write
      (i32.store (i32.add (local.get $out) (local.get $i)) (call $bswap (i32.load offset=512 (local.get $i))))
      (br_if $write (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 32)))))

  (func $copy32 (param $to i32) (param $from i32)
    (i64.store (local.get $to) (i64.load (local.get $from)))
    (i64.store offset=8 (local.get $to) (i64.load offset=8 (local.get $from)))
    (i64.store offset=16 (local.get $to) (i64.load offset=16 (local.get $from)))
    (i64.store offset=24 (local.get $to) (i64.load offset=24 (local.get $from))))

  ;; Node hash of the 32 bytes at $l and $r into $out (which may be $l or $r).
  (func $node (param $l i32) (param $r i32) (param $out i32)
    (i32.store8 (i32.const 544) (i32.const 1))
    (call $copy32 (i32.const 545) (local.get $l))
    (call $copy32 (i32.const 577) (local.get $r))
    (call $digest (i32.const 544) (i32.const 65) (local.get $out)))

  ;; After pushing a subtree root (depth now $depth, leaves now $count), merges equal-sized pairs.
  (func $merge (export "merge") (param $depth i32) (param $count i32) (result i32)
    (local $top i32)
    (block $done
      (loop $pairs
        (br_if $done (i32.and (local.get $count) (i32.const 1)))
        (local.set $top (i32.add (i32.const 1024) (i32.shl (local.get $depth) (i32.const 5))))
        (call $node (i32.sub (local.get $top) (i32.const 64)) (i32.sub (local.get $top) (i32.const 32)) (i32.sub (local.get $top) (i32.const 64)))
        (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
        (local.set $count (i32.shr_u (local.get $count) (i32.const 1)))
        (br $pairs)))
    (local.get $depth))

  ;; Appends $n leaves whose data are the 32-byte values at IN; returns the new depth.
  (func (export "absorb") (param $n i32) (param $depth i32) (param $count i32) (result i32)
    (local $i i32)
    (block $done
      (loop $leaves
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (i32.const 544) (i32.const 0))
        (call $copy32 (i32.const 545) (i32.add (i32.const 4096) (i32.shl (local.get $i) (i32.const 5))))
        (call $digest (i32.const 544) (i32.const 33) (i32.add (i32.const 1024) (i32.shl (local.get $depth) (i32.const 5))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $depth (call $merge (i32.add (local.get $depth) (i32.const 1)) (local.get $count)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $leaves)))
    (local.get $depth))

  ;; The root over the $depth subtree roots on the stack (folded right to left), at OUT.
  (func (export "fold") (param $depth i32)
    (local $j i32)
    (call $copy32 (i32.const 3072) (i32.add (i32.const 1024) (i32.shl (i32.sub (local.get $depth) (i32.const 1)) (i32.const 5))))
    (local.set $j (i32.sub (local.get $depth) (i32.const 2)))
    (block $done
      (loop $up
        (br_if $done (i32.lt_s (local.get $j) (i32.const 0)))
        (call $node (i32.add (i32.const 1024) (i32.shl (local.get $j) (i32.const 5))) (i32.const 3072) (i32.const 3072))
        (local.set $j (i32.sub (local.get $j) (i32.const 1)))
        (br $up))))
;; ---- Four hashes at once (SIMD lanes): a perfect batch of 1,024 leaves -> one subtree root.

  ;; Word $off of four messages at $base + $stride * lane, as big-endian lanes.
  (func $gather (param $base i32) (param $stride i32) (param $off i32) (result v128)
    (local $p i32)
    (local.set $p (i32.add (local.get $base) (local.get $off)))
    (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12
      (i32x4.replace_lane 3
        (i32x4.replace_lane 2
          (i32x4.replace_lane 1
            (i32x4.splat (i32.load (local.get $p)))
            (i32.load (i32.add (local.get $p) (local.get $stride))))
          (i32.load (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1)))))
        (i32.load (i32.add (local.get $p) (i32.mul (local.get $stride) (i32.const 3)))))
      (v128.const i32x4 0 0 0 0)))

  (func $iv4
    (v128.store (i32.const 3584) (i32x4.splat (i32.const 0x6a09e667)))
    (v128.store (i32.const 3600) (i32x4.splat (i32.const 0xbb67ae85)))
    (v128.store (i32.const 3616) (i32x4.splat (i32.const 0x3c6ef372)))
    (v128.store (i32.const 3632) (i32x4.splat (i32.const 0xa54ff53a)))
    (v128.store (i32.const 3648) (i32x4.splat (i32.const 0x510e527f)))
    (v128.store (i32.const 3664) (i32x4.splat (i32.const 0x9b05688c)))
    (v128.store (i32.const 3680) (i32x4.splat (i32.const 0x1f83d9ab)))
    (v128.store (i32.const 3696) (i32x4.splat (i32.const 0x5be0cd19))))

  ;; One compression of the four blocks whose W[0..15] are at WV, into the states at SV.
  (func $compress4
    (local $i i32) (local $x v128) (local $y v128) (local $t1 v128) (local $t2 v128)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $e v128) (local $f v128) (local $g v128) (local $h v128)
    (local.set $i (i32.const 256))
    (loop $schedule
      (local.set $x (v128.load offset=65296 (local.get $i)))   ;; W[i-15]
      (local.set $y (v128.load offset=65504 (local.get $i)))   ;; W[i-2]
      (v128.store offset=65536 (local.get $i)
        (i32x4.add
          (i32x4.add (v128.load offset=65280 (local.get $i)) (v128.load offset=65424 (local.get $i)))  ;; W[i-16] + W[i-7]
          (i32x4.add
            (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $x) (i32.const 7)) (i32x4.shl (local.get $x) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $x) (i32.const 18)) (i32x4.shl (local.get $x) (i32.const 14))))
                      (i32x4.shr_u (local.get $x) (i32.const 3)))
            (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $y) (i32.const 17)) (i32x4.shl (local.get $y) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $y) (i32.const 19)) (i32x4.shl (local.get $y) (i32.const 13))))
                      (i32x4.shr_u (local.get $y) (i32.const 10))))))
      (br_if $schedule (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (i32.const 1024))))
    (local.set $a (v128.load (i32.const 3584)))
    (local.set $b (v128.load (i32.const 3600)))
    (local.set $c (v128.load (i32.const 3616)))
    (local.set $d (v128.load (i32.const 3632)))
    (local.set $e (v128.load (i32.const 3648)))
    (local.set $f (v128.load (i32.const 3664)))
    (local.set $g (v128.load (i32.const 3680)))
    (local.set $h (v128.load (i32.const 3696)))
    (local.set $i (i32.const 0))
    (loop $round
      (local.set $t1
        (i32x4.add
          (i32x4.add (local.get $h)
            (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $e) (i32.const 6)) (i32x4.shl (local.get $e) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 11)) (i32x4.shl (local.get $e) (i32.const 21))))
                      (v128.or (i32x4.shr_u (local.get $e) (i32.const 25)) (i32x4.shl (local.get $e) (i32.const 7)))))
          (i32x4.add
            (v128.xor (local.get $g) (v128.and (local.get $e) (v128.xor (local.get $f) (local.get $g))))
            (i32x4.add (i32x4.splat (i32.load (i32.shr_u (local.get $i) (i32.const 2)))) (v128.load offset=65536 (local.get $i))))))
      (local.set $t2
        (i32x4.add
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $a) (i32.const 2)) (i32x4.shl (local.get $a) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 13)) (i32x4.shl (local.get $a) (i32.const 19))))
                    (v128.or (i32x4.shr_u (local.get $a) (i32.const 22)) (i32x4.shl (local.get $a) (i32.const 10))))
          (v128.or (v128.and (local.get $a) (local.get $b))
                   (v128.and (local.get $c) (v128.or (local.get $a) (local.get $b))))))
      (local.set $h (local.get $g))
      (local.set $g (local.get $f))
      (local.set $f (local.get $e))
      (local.set $e (i32x4.add (local.get $d) (local.get $t1)))
      (local.set $d (local.get $c))
      (local.set $c (local.get $b))
      (local.set $b (local.get $a))
      (local.set $a (i32x4.add (local.get $t1) (local.get $t2)))
      (br_if $round (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (i32.const 1024))))
    (v128.store (i32.const 3584) (i32x4.add (v128.load (i32.const 3584)) (local.get $a)))
    (v128.store (i32.const 3600) (i32x4.add (v128.load (i32.const 3600)) (local.get $b)))
    (v128.store (i32.const 3616) (i32x4.add (v128.load (i32.const 3616)) (local.get $c)))
    (v128.store (i32.const 3632) (i32x4.add (v128.load (i32.const 3632)) (local.get $d)))
    (v128.store (i32.const 3648) (i32x4.add (v128.load (i32.const 3648)) (local.get $e)))
    (v128.store (i32.const 3664) (i32x4.add (v128.load (i32.const 3664)) (local.get $f)))
    (v128.store (i32.const 3680) (i32x4.add (v128.load (i32.const 3680)) (local.get $g)))
    (v128.store (i32.const 3696) (i32x4.add (v128.load (i32.const 3696)) (local.get $h))))

  ;; Writes the four hashes at SV as bytes at $out + 32 * lane.
  (func $store4 (param $out i32)
    (local $k i32) (local $v v128)
    (loop $words
      (local.set $v (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12
        (v128.load offset=3584 (i32.shl (local.get $k) (i32.const 4))) (v128.const i32x4 0 0 0 0)))
      (i32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (i32x4.extract_lane 0 (local.get $v)))
      (i32.store offset=32 (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (i32x4.extract_lane 1 (local.get $v)))
      (i32.store offset=64 (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (i32x4.extract_lane 2 (local.get $v)))
      (i32.store offset=96 (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (i32x4.extract_lane 3 (local.get $v)))
      (br_if $words (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 8)))))

  ;; W of a node's second block: $last, zeros, and the caller's length word.
  (func $tailWords (param $last v128)
    (local $i i32)
    (v128.store (i32.const 65536) (local.get $last))
    (local.set $i (i32.const 16))
    (loop $zero
      (v128.store offset=65536 (local.get $i) (v128.const i32x4 0 0 0 0))
      (br_if $zero (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (i32.const 240)))))

  ;; Leaf hashes of the four 32-byte values at $in (stride 32), into $out (stride 32).
  (func $leaves4 (param $in i32) (param $out i32)
    (local $t i32)
    (v128.store (i32.const 65536) (i32x4.shr_u (call $gather (local.get $in) (i32.const 32) (i32.const 0)) (i32.const 8)))
    (local.set $t (i32.const 1))
    (loop $words
      (v128.store offset=65536 (i32.shl (local.get $t) (i32.const 4))
        (call $gather (local.get $in) (i32.const 32) (i32.sub (i32.shl (local.get $t) (i32.const 2)) (i32.const 1))))
      (br_if $words (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.const 8))))
    ;; W[8] = d[31] || 0x80; W[9..14] = 0; W[15] = 264 bits.
    (v128.store (i32.const 65664)
      (v128.or (i32x4.shl (call $gather (local.get $in) (i32.const 32) (i32.const 28)) (i32.const 24)) (i32x4.splat (i32.const 0x800000))))
    (local.set $t (i32.const 144))
    (loop $zero
      (v128.store offset=65536 (local.get $t) (v128.const i32x4 0 0 0 0))
      (br_if $zero (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 16))) (i32.const 240))))
    (v128.store (i32.const 65776) (i32x4.splat (i32.const 264)))
    (call $iv4)
    (call $compress4)
    (call $store4 (local.get $out)))

  ;; Node hashes of four child pairs at $in (each pair 64 bytes), into $out (stride 32; may be $in).
  (func $nodes4 (param $in i32) (param $out i32)
    (local $t i32) (local $last v128)
    (v128.store (i32.const 65536)
      (v128.or (i32x4.splat (i32.const 0x01000000)) (i32x4.shr_u (call $gather (local.get $in) (i32.const 64) (i32.const 0)) (i32.const 8))))
    (local.set $t (i32.const 1))
    (loop $words
      (v128.store offset=65536 (i32.shl (local.get $t) (i32.const 4))
        (call $gather (local.get $in) (i32.const 64) (i32.sub (i32.shl (local.get $t) (i32.const 2)) (i32.const 1))))
      (br_if $words (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.const 16))))
    ;; Second block: r[31] || 0x80, zeros, 520 bits. Read before the state is written over the children.
    (local.set $last
      (v128.or (i32x4.shl (call $gather (local.get $in) (i32.const 64) (i32.const 60)) (i32.const 24)) (i32x4.splat (i32.const 0x800000))))
    (call $iv4)
    (call $compress4)
    (call $tailWords (local.get $last))
    (v128.store (i32.const 65776) (i32x4.splat (i32.const 520)))
    (call $compress4)
    (call $store4 (local.get $out)))

  ;; Hashes the 1,024 leaves at IN into one perfect subtree, pushes its root and merges
  ;; ($count: leaves so far in units of 1,024, this batch included). Returns the new depth.
  (func (export "absorbPerfect") (param $depth i32) (param $count i32) (result i32)
    (local $i i32) (local $n i32)
    (loop $leaves
      (call $leaves4 (i32.add (i32.const 4096) (i32.shl (local.get $i) (i32.const 5))) (i32.add (i32.const 69632) (i32.shl (local.get $i) (i32.const 5))))
      (br_if $leaves (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 1024))))
    (local.set $n (i32.const 512))
    (loop $levels
      (local.set $i (i32.const 0))
      (loop $pairs
        (call $nodes4 (i32.add (i32.const 69632) (i32.shl (local.get $i) (i32.const 6))) (i32.add (i32.const 69632) (i32.shl (local.get $i) (i32.const 5))))
        (br_if $pairs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      (br_if $levels (i32.ge_u (local.tee $n (i32.shr_u (local.get $n) (i32.const 1))) (i32.const 4))))
    ;; The last two levels (2 nodes, then 1) one at a time.
    (call $node (i32.const 69632) (i32.const 69664) (i32.const 69632))
    (call $node (i32.const 69696) (i32.const 69728) (i32.const 69664))
    (call $node (i32.const 69632) (i32.const 69664) (i32.add (i32.const 1024) (i32.shl (local.get $depth) (i32.const 5))))
    (call $merge (i32.add (local.get $depth) (i32.const 1)) (local.get $count)))
;; ---- The levels of a tile (proofs from tiles).

  ;; Parents of the $n hashes at $in (32 bytes each): the floor($n/2) node hashes of
  ;; consecutive pairs, at $out (32 bytes each; not overlapping $in), four at a time.
  (func (export "parents") (param $in i32) (param $n i32) (param $out i32)
    (local $i i32) (local $pairs i32)
    (local.set $pairs (i32.shr_u (local.get $n) (i32.const 1)))
    (block $fours
      (loop $four
        (br_if $fours (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $pairs)))
        (call $nodes4 (i32.add (local.get $in) (i32.shl (local.get $i) (i32.const 6))) (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 5))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $four)))
    (block $ones
      (loop $one
        (br_if $ones (i32.ge_u (local.get $i) (local.get $pairs)))
        (call $node
          (i32.add (local.get $in) (i32.shl (local.get $i) (i32.const 6)))
          (i32.add (local.get $in) (i32.add (i32.shl (local.get $i) (i32.const 6)) (i32.const 32)))
          (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 5))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one))))
;; ---- Four messages at once (receipt statements in audits).

  ;; Pads the $len-byte message at $msg in place (SHA-256 padding); returns its block count.
  (func (export "pad") (param $msg i32) (param $len i32) (result i32)
    (local $blocks i32) (local $end i32)
    (local.set $blocks (i32.shr_u (i32.add (local.get $len) (i32.const 72)) (i32.const 6)))
    (local.set $end (i32.add (local.get $msg) (i32.shl (local.get $blocks) (i32.const 6))))
    (memory.fill (i32.add (local.get $msg) (local.get $len)) (i32.const 0)
      (i32.sub (i32.shl (local.get $blocks) (i32.const 6)) (local.get $len)))
    (i32.store8 (i32.add (local.get $msg) (local.get $len)) (i32.const 0x80))
    (i32.store (i32.sub (local.get $end) (i32.const 4)) (call $bswap (i32.shl (local.get $len) (i32.const 3))))
    (local.get $blocks))

  ;; SHA-256 of four padded messages of $blocks blocks at $base + $stride * lane, to $out + 32 * lane.
  (func (export "digest4") (param $base i32) (param $stride i32) (param $blocks i32) (param $out i32)
    (local $b i32) (local $t i32)
    (call $iv4)
    (loop $block
      (local.set $t (i32.const 0))
      (loop $words
        (v128.store offset=65536 (i32.shl (local.get $t) (i32.const 4))
          (call $gather (local.get $base) (local.get $stride)
            (i32.add (i32.shl (local.get $b) (i32.const 6)) (i32.shl (local.get $t) (i32.const 2)))))
        (br_if $words (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.const 16))))
      (call $compress4)
      (br_if $block (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $blocks))))
    (call $store4 (local.get $out)))
)
