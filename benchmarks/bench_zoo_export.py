"""Model-zoo export benchmark (issue 11): full-size models built from ``transformers`` configs
with random weights (nothing downloaded), pruned with global magnitude 50 %, exported with
``pruning.graph_export.export_graph``. Prints, per model, the coverage of MACs and bytes, the
exported MACs against an independent count (forward hooks on the weighted modules plus the
attention matmuls from the architecture's arithmetic) and the published figure, and the export
time; then the export-speed check: ResNet-50 with masks and activation densities over 16
images (target < 30 s).

    python benchmarks/bench_zoo_export.py            # every model (a few minutes)
    python benchmarks/bench_zoo_export.py resnet50   # one model
    python benchmarks/bench_zoo_export.py --speed    # only the 16-image ResNet-50 export
"""
from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pruning"))
import zoo_models  # noqa: E402
import transformers as t  # noqa: E402
from pruning.graph_export import export_graph  # noqa: E402

SEQ = 128


def _swin_t_attention() -> int:
    """2 x tokens x 49 x channels per block (7 x 7 windows): stages 56^2/96, 28^2/192,
    14^2/384, 7^2/768 with 2, 2, 6, 2 blocks."""
    stages = ((56 * 56, 96, 2), (28 * 28, 192, 2), (14 * 14, 384, 6), (7 * 7, 768, 2))
    return sum(2 * n * 49 * c * d for n, c, d in stages)


def _heads(layers, heads, seq, dim):
    return zoo_models._heads_attention(layers, heads, seq, dim)


# name -> (build, inputs(n), attention MACs, published MACs or None, source)
MODELS = {
    "resnet50": (lambda: t.ResNetModel(t.ResNetConfig()), zoo_models._images(224), 0,
                 4.1e9, "He et al. 2016 (3.8 GFLOPs v1; 4.1 G v1.5, torchvision)"),
    "mobilenet_v2": (lambda: t.MobileNetV2Model(t.MobileNetV2Config()),
                     zoo_models._images(224), 0, 300e6, "Sandler et al. 2018 Table 4: 300 M"),
    "convnext_t": (lambda: t.ConvNextModel(t.ConvNextConfig()), zoo_models._images(224), 0,
                   4.5e9, "Liu et al. 2022 Table 1: 4.5 G"),
    "vit_b16": (lambda: t.ViTModel(t.ViTConfig()), zoo_models._images(224),
                _heads(12, 12, 197, 64), 17.6e9, "Dosovitskiy et al. 2021: 17.6 G (fvcore)"),
    "swin_t": (lambda: t.SwinModel(t.SwinConfig()), zoo_models._images(224),
               _swin_t_attention(), 4.5e9, "Liu et al. 2021 Table 1: 4.5 G"),
    "bert_base": (lambda: t.BertModel(t.BertConfig()), zoo_models._ids(30522, SEQ),
                  _heads(12, 12, SEQ, 64), 11.2e9, "~11.2 G at sequence 128 (arithmetic)"),
    "gpt2": (lambda: t.GPT2Model(t.GPT2Config(use_cache=False)), zoo_models._ids(50257, SEQ),
             _heads(12, 12, SEQ, 64), None, "arithmetic only"),
    "llama_125m": (lambda: t.LlamaModel(t.LlamaConfig(
        hidden_size=768, num_hidden_layers=12, num_attention_heads=12, num_key_value_heads=4,
        intermediate_size=2048, vocab_size=32000, use_cache=False)),
        zoo_models._ids(32000, SEQ), _heads(12, 12, SEQ, 64), None, "arithmetic only"),
}


def run(name: str, images: int = 1) -> dict:
    build, inputs, attention, published, source = MODELS[name]
    torch.manual_seed(0)
    model = zoo_models.prune_global(build().eval())
    x = inputs(images)
    started = time.perf_counter()
    result = export_graph(model, x, name)
    seconds = time.perf_counter() - started
    macs = sum(l.macs_dense for l in result.network.layers)
    independent = zoo_models.hooked_macs(model, x[:1]) + attention
    return {"model": name, "traced_with": result.traced_with,
            "records": len(result.network.layers),
            "mac_coverage": result.coverage.mac_fraction,
            "byte_coverage": result.coverage.byte_fraction, "macs": macs,
            "independent": independent, "published": published, "source": source,
            "seconds": seconds, "unsupported": len(result.unsupported)}


def main(argv: list[str]) -> None:
    warnings.simplefilter("ignore")
    torch.set_num_threads(max(1, torch.get_num_threads()))
    if "--speed" in argv:
        row = run("resnet50", images=16)
        print(f"ResNet-50, 16 images, masks + activation densities: {row['seconds']:.1f} s "
              f"(target < 30 s)")
        return
    names = [a for a in argv if a in MODELS] or list(MODELS)
    print("| model | records | MACs covered | bytes covered | MACs hwsim | independent "
          "count | published | export s |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        r = run(name)
        published = f"{r['published'] / 1e9:.2f} G" if r["published"] else "-"
        print(f"| {name} | {r['records']} | {r['mac_coverage']:.2%} | {r['byte_coverage']:.2%} "
              f"| {r['macs']:,} | {r['independent']:,} | {published} | {r['seconds']:.1f} |",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
