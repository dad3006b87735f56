"""Write q8 (dynamic int8) versions of a local fp32 model in the transformers.js layout.

    /usr/bin/python3 tools/quantize/quantize_q8.py <model_dir> [--towers text,vision]

For each tower, reads  <model_dir>/onnx/<tower>_model.onnx  and writes
<model_dir>/onnx/<tower>_model_quantized.onnx  (the file `--dtype q8` loads).

Every MatMul (and Gemm) whose weight is a 2-D float initializer becomes

    DynamicQuantizeLinear(A) -> A_q (uint8), A_scale, A_zp
    MatMulInteger(A_q, W_q int8, A_zp, W_zp = 0) -> int32
    Cast(float) -> Mul(A_scale * W_scale) [-> Add(beta * C) for a Gemm]

the scheme of onnxruntime's `quantize_dynamic`, written with the `onnx`
package only. Weights are int8, symmetric (zero point 0), one scale per output
column by default. Everything else (Conv patch embedding, Gather embeddings,
LayerNorm, Softmax, the activation x activation attention MatMuls) stays
float. See README.md in this folder.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TOWERS = ("text", "vision")
MIN_OPSET = 11  # DynamicQuantizeLinear


@dataclass
class Options:
    per_channel: bool = True
    # 7-bit weights: u8 x s8 products summed in pairs cannot saturate int16
    # (AVX2 without VNNI uses vpmaddubsw; 2 * 255 * 64 = 32640 < 32767).
    reduce_range: bool = True

    @property
    def qmax(self) -> int:
        return 64 if self.reduce_range else 127


@dataclass
class Report:
    matmuls: int = 0
    matmuls_quantized: int = 0
    gemms: int = 0
    gemms_quantized: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    weight_params: int = 0
    weight_rel_err: list[float] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def quantize_weight(w: np.ndarray, opts: Options) -> tuple[np.ndarray, np.ndarray]:
    """w: float [K, N]. Returns int8 [K, N] and float32 scale [N] (per column) or [] (per tensor)."""
    w = w.astype(np.float32)
    absmax = np.abs(w).max(axis=0) if opts.per_channel else np.abs(w).max()
    scale = (absmax / opts.qmax).astype(np.float32)
    scale = np.where(scale > 0, scale, np.float32(1.0)).astype(np.float32)  # an all-zero column
    q = np.clip(np.rint(w / scale), -opts.qmax, opts.qmax).astype(np.int8)
    return q, scale


class Quantizer:
    def __init__(self, model: onnx.ModelProto, opts: Options):
        self.model = model
        self.graph = model.graph
        self.opts = opts
        self.report = Report()
        self.inits = {t.name: t for t in self.graph.initializer}
        overridable = {i.name for i in self.graph.input}
        self.weights = {n: t for n, t in self.inits.items() if n not in overridable}
        self.names = set(self.inits) | {i.name for i in self.graph.input} | {o.name for o in self.graph.output}
        for node in self.graph.node:
            self.names.update(node.input)
            self.names.update(node.output)
            self.names.add(node.name)
        self.new_inits: list[TensorProto] = []
        self.quantized_weights: dict[tuple, tuple[str, str, str]] = {}
        self.quantized_acts: dict[str, tuple[str, str, str]] = {}
        # Float initializers this rewrite may have made unused (weights, a Gemm's C scaled by beta).
        self.replaced_weights: set[str] = set()

    def fresh(self, base: str) -> str:
        name, i = base, 1
        while name in self.names:
            name = f"{base}_{i}"
            i += 1
        self.names.add(name)
        return name

    def add_init(self, base: str, array: np.ndarray) -> str:
        name = self.fresh(base)
        self.new_inits.append(numpy_helper.from_array(array, name))
        return name

    def float_weight(self, name: str) -> np.ndarray | None:
        t = self.weights.get(name)
        if t is None or t.data_type not in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE) or len(t.dims) != 2:
            return None
        return numpy_helper.to_array(t)

    def weight_q(self, name: str, transpose: bool, alpha: float) -> tuple[str, str, str]:
        """Quantized weight, its scale (times alpha) and zero point initializers, shared between nodes."""
        key = (name, transpose, alpha)
        if key not in self.quantized_weights:
            w = numpy_helper.to_array(self.weights[name]).astype(np.float32)
            if transpose:
                w = w.T
            q, scale = quantize_weight(w, self.opts)
            self.report.weight_params += w.size
            err = np.linalg.norm(q.astype(np.float32) * scale - w) / max(float(np.linalg.norm(w)), 1e-30)
            self.report.weight_rel_err.append(float(err))
            zp = np.zeros(scale.shape, dtype=np.int8)
            suffix = "_T" if transpose else ""
            self.quantized_weights[key] = (
                self.add_init(f"{name}{suffix}_quantized", q),
                self.add_init(f"{name}{suffix}_scale", (scale * np.float32(alpha)).astype(np.float32)),
                self.add_init(f"{name}{suffix}_zero_point", zp),
            )
            self.replaced_weights.add(name)
        return self.quantized_weights[key]

    def activation_q(self, name: str, out: list[onnx.NodeProto]) -> tuple[str, str, str]:
        """One DynamicQuantizeLinear per activation, shared by its consumers (q/k/v read one LayerNorm)."""
        if name not in self.quantized_acts:
            q, s, zp = self.fresh(f"{name}_quantized"), self.fresh(f"{name}_scale"), self.fresh(f"{name}_zero_point")
            out.append(helper.make_node("DynamicQuantizeLinear", [name], [q, s, zp], name=self.fresh(f"{name}_DynamicQuantizeLinear")))
            self.quantized_acts[name] = (q, s, zp)
        return self.quantized_acts[name]

    def integer_matmul(self, node: onnx.NodeProto, a: str, weight: str, transpose: bool, alpha: float,
                       output: str, out: list[onnx.NodeProto]) -> None:
        a_q, a_scale, a_zp = self.activation_q(a, out)
        w_q, w_scale, w_zp = self.weight_q(weight, transpose, alpha)
        base = node.name or output
        acc, acc_f, scale = self.fresh(f"{output}_int32"), self.fresh(f"{output}_float"), self.fresh(f"{output}_output_scale")
        out.append(helper.make_node("MatMulInteger", [a_q, w_q, a_zp, w_zp], [acc], name=self.fresh(f"{base}_MatMulInteger")))
        out.append(helper.make_node("Cast", [acc], [acc_f], to=TensorProto.FLOAT, name=self.fresh(f"{base}_Cast")))
        out.append(helper.make_node("Mul", [a_scale, w_scale], [scale], name=self.fresh(f"{base}_scale_Mul")))
        out.append(helper.make_node("Mul", [acc_f, scale], [output], name=self.fresh(f"{base}_Mul")))

    def rewrite_matmul(self, node: onnx.NodeProto, out: list[onnx.NodeProto]) -> bool:
        self.report.matmuls += 1
        w = self.float_weight(node.input[1])
        if w is None:
            self.report.skip("MatMul: B is not a 2-D float initializer (activation x activation)")
            return False
        self.integer_matmul(node, node.input[0], node.input[1], False, 1.0, node.output[0], out)
        self.report.matmuls_quantized += 1
        return True

    def rewrite_gemm(self, node: onnx.NodeProto, out: list[onnx.NodeProto]) -> bool:
        self.report.gemms += 1
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("transA", 0):
            self.report.skip("Gemm: transA=1")
            return False
        if self.float_weight(node.input[1]) is None:
            self.report.skip("Gemm: B is not a 2-D float initializer")
            return False
        alpha, beta = float(attrs.get("alpha", 1.0)), float(attrs.get("beta", 1.0))
        has_c = len(node.input) > 2 and node.input[2] != "" and beta != 0.0
        product = self.fresh(f"{node.output[0]}_product") if has_c else node.output[0]
        self.integer_matmul(node, node.input[0], node.input[1], bool(attrs.get("transB", 0)), alpha, product, out)
        if has_c:
            c = node.input[2]
            if beta != 1.0:
                if c in self.weights:
                    self.replaced_weights.add(c)
                    c = self.add_init(f"{c}_times_beta", (numpy_helper.to_array(self.weights[c]) * beta).astype(np.float32))
                else:
                    b = self.add_init(f"{node.output[0]}_beta", np.array(beta, dtype=np.float32))
                    scaled = self.fresh(f"{node.output[0]}_c_times_beta")
                    out.append(helper.make_node("Mul", [c, b], [scaled], name=self.fresh(f"{node.name or c}_beta_Mul")))
                    c = scaled
            out.append(helper.make_node("Add", [product, c], [node.output[0]], name=self.fresh(f"{node.name or product}_bias_Add")))
        self.report.gemms_quantized += 1
        return True

    def run(self) -> Report:
        opset = next((o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx")), 0)
        if opset < MIN_OPSET:
            raise SystemExit(f"opset {opset} < {MIN_OPSET}: DynamicQuantizeLinear needs opset 11; re-export the model with a newer opset")
        new_nodes: list[onnx.NodeProto] = []
        for node in self.graph.node:
            if node.domain in ("", "ai.onnx") and node.op_type == "MatMul" and self.rewrite_matmul(node, new_nodes):
                continue
            if node.domain in ("", "ai.onnx") and node.op_type == "Gemm" and self.rewrite_gemm(node, new_nodes):
                continue
            new_nodes.append(node)
        del self.graph.node[:]
        self.graph.node.extend(new_nodes)
        # Drop float weights nothing reads any more (a subgraph or a float consumer may still).
        used = used_names(self.graph)
        keep = [t for t in self.graph.initializer if not (t.name in self.replaced_weights and t.name not in used)]
        del self.graph.initializer[:]
        self.graph.initializer.extend(keep + self.new_inits)
        return self.report


def used_names(graph: onnx.GraphProto) -> set[str]:
    used = {o.name for o in graph.output}
    for node in graph.node:
        used.update(node.input)
        for attr in node.attribute:
            for sub in ([attr.g] if attr.type == onnx.AttributeProto.GRAPH else list(attr.graphs)):
                used |= used_names(sub)
    return used


def io_signature(graph: onnx.GraphProto) -> list:
    def sig(v: onnx.ValueInfoProto) -> tuple:
        t = v.type.tensor_type
        return (v.name, t.elem_type, tuple(d.dim_param or d.dim_value for d in t.shape.dim))
    return [[sig(v) for v in graph.input if v.name not in {i.name for i in graph.initializer}], [sig(v) for v in graph.output]]


def verify(original: onnx.ModelProto, quantized: onnx.ModelProto) -> None:
    """checker (full: with strict shape inference), then inferred output types/shapes must match the fp32 graph's."""
    onnx.checker.check_model(quantized, full_check=True)
    inferred_q = onnx.shape_inference.infer_shapes(quantized, check_type=True, strict_mode=True)
    inferred_f = onnx.shape_inference.infer_shapes(original, check_type=True, strict_mode=True)
    if io_signature(inferred_q.graph) != io_signature(inferred_f.graph):
        raise SystemExit(f"graph inputs/outputs changed:\n  fp32 {io_signature(inferred_f.graph)}\n  q8   {io_signature(inferred_q.graph)}")
    ops = {n.op_type for n in quantized.graph.node}
    assert "MatMulInteger" in ops and "DynamicQuantizeLinear" in ops


def quantize_file(src: Path, dst: Path, opts: Options) -> Report:
    model = onnx.load(str(src))
    original = onnx.ModelProto()
    original.CopyFrom(model)
    report = Quantizer(model, opts).run()
    if report.matmuls_quantized + report.gemms_quantized == 0:
        raise SystemExit(f"{src}: no MatMul/Gemm with a float weight initializer; nothing to quantize")
    model.producer_name = "clipbench tools/quantize/quantize_q8.py"
    model.producer_version = "1"
    verify(original, model)
    tmp = dst.with_name(dst.name + ".tmp")
    onnx.save(model, str(tmp))
    os.replace(tmp, dst)
    return report


def mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dir", type=Path, help="model folder in the transformers.js layout (onnx/<tower>_model.onnx)")
    p.add_argument("--towers", default="text,vision", help="comma-separated: text, vision (default both)")
    p.add_argument("--per-tensor", action="store_true", help="one weight scale per tensor instead of per output column")
    p.add_argument("--full-range", action="store_true",
                   help="weights in [-127, 127] instead of the default 7-bit [-64, 64]; on x86 CPUs without VNNI "
                        "onnxruntime's u8 x s8 kernel may then saturate")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    towers = [t.strip() for t in args.towers.split(",") if t.strip()]
    bad = [t for t in towers if t not in TOWERS]
    if bad or not towers:
        print(f"--towers takes a comma-separated subset of {', '.join(TOWERS)}; got {args.towers!r}", file=sys.stderr)
        return 2
    opts = Options(per_channel=not args.per_tensor, reduce_range=not args.full_range)
    print(f"weights: int8 symmetric, {'per column' if opts.per_channel else 'per tensor'}, range ±{opts.qmax}; "
          "activations: uint8 per tensor, computed at run time")
    for tower in towers:
        src = args.model_dir / "onnx" / f"{tower}_model.onnx"
        dst = args.model_dir / "onnx" / f"{tower}_model_quantized.onnx"
        if not src.is_file():
            print(f"{src} does not exist (expected the fp32 model in the transformers.js layout)", file=sys.stderr)
            return 2
        start = time.perf_counter()
        r = quantize_file(src, dst, opts)
        before, after = src.stat().st_size, dst.stat().st_size
        sha = hashlib.sha256(dst.read_bytes()).hexdigest()[:16]
        print(f"{tower}: {r.matmuls_quantized}/{r.matmuls} MatMul quantized"
              + (f", {r.gemms_quantized}/{r.gemms} Gemm" if r.gemms else "")
              + f" ({r.weight_params:,} weights, relative weight error mean {np.mean(r.weight_rel_err):.4f},"
              f" max {np.max(r.weight_rel_err):.4f})")
        for reason, n in sorted(r.skipped.items()):
            print(f"  left float: {n} x {reason}")
        print(f"  {src.name} {mb(before)} -> {dst.name} {mb(after)} ({after / before:.0%}), "
              f"sha256 {sha}…, {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
