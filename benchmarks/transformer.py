"""A one-block Transformer encoder: kerasette against PyTorch eager, in one run.

``python benchmarks/transformer.py [--rounds 3] [--epochs 4] [--train 3200] [--test 1000]``
trains keras-io's "Text classification with Transformer" model (token + position
embeddings of 200 steps, 32 wide; MultiHeadAttention 2 heads, key_dim 32; feed-forward 32;
layer normalization, dropout 0.1; global average pooling, Dense 20 relu, Dense 2; Adam,
the example's batch of 32) on the example's synthetic IMDB stand-in, once per round per framework, the
frameworks alternating in fresh processes, and prints the median epoch time of each (the
first epoch of every run left out), the ratio kerasette / framework, and the test accuracy.

Frameworks:
- ``kerasette``: examples/text_classification_transformer.py itself (its ``main``);
- ``torch``: the same block with ``torch.nn.MultiheadAttention(32, num_heads=2)``, the module
  the issue names; its heads are 32 / 2 = 16 wide, so its projections do half the work of
  Keras's ``key_dim=32`` heads;
- ``torch-keyed``: the same block with Keras's shapes written out (query, key and value
  ``Linear(32, 64)``, two heads of 32, ``scaled_dot_product_attention``, ``Linear(64, 32)``);
- ``torch-keyed-1thread``: the same on one intra-op thread (``torch.set_num_threads(1)``),
  since on a 2-core machine shared with other work PyTorch's second thread can cost more
  than it gives.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FRAMEWORKS = ("kerasette", "torch", "torch-keyed", "torch-keyed-1thread")
VOCAB, MAXLEN, EMBED, HEADS, FF, BATCH = 20000, 200, 32, 2, 32, 32


def load_example():
    path = os.path.join(ROOT, "examples", "text_classification_transformer.py")
    spec = importlib.util.spec_from_file_location("example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


def data(train: int, test: int):
    """The example's synthetic stand-in, padded as the example pads it (the same reviews in every process)."""
    example = load_example()
    import kerasette as keras

    (x_train, y_train), (x_test, y_test) = example.synthetic_imdb(num_words=VOCAB, train_size=train, test_size=test)
    pad = keras.utils.pad_sequences
    return pad(x_train, maxlen=MAXLEN), y_train, pad(x_test, maxlen=MAXLEN), y_test


def run_kerasette(epochs, train, test):
    """The example itself, its epochs timed from their start to their last training batch
    (the validation pass after each epoch left out, as the PyTorch loop has none)."""
    import kerasette as keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.last = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(self.last - self.start)

    keras.utils.set_random_seed(0)
    timer = EpochTimer()
    accuracy, _ = load_example().main(epochs, train, test, verbose=0, callbacks=[timer])
    return timer.times, float(accuracy)


def run_torch(epochs, train, test, keyed):
    x_train, y_train, x_test, y_test = data(train, test)
    import torch
    from torch import nn
    from torch.nn import functional

    torch.manual_seed(0)

    class KeyedAttention(nn.Module):  # Keras's MultiHeadAttention shapes: heads of key_dim=32
        def __init__(self):
            super().__init__()
            self.query, self.key, self.value = (nn.Linear(EMBED, HEADS * EMBED) for _ in range(3))
            self.output = nn.Linear(HEADS * EMBED, EMBED)

        def forward(self, x):
            batch, steps = x.shape[:2]
            q, k, v = (
                p(x).view(batch, steps, HEADS, EMBED).transpose(1, 2) for p in (self.query, self.key, self.value)
            )
            context = functional.scaled_dot_product_attention(q, k, v)
            return self.output(context.transpose(1, 2).reshape(batch, steps, HEADS * EMBED))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.token, self.position = nn.Embedding(VOCAB, EMBED), nn.Embedding(MAXLEN, EMBED)
            self.attention = KeyedAttention() if keyed else nn.MultiheadAttention(EMBED, HEADS, batch_first=True)
            self.ffn = nn.Sequential(nn.Linear(EMBED, FF), nn.ReLU(), nn.Linear(FF, EMBED))
            self.norm1, self.norm2 = nn.LayerNorm(EMBED, eps=1e-6), nn.LayerNorm(EMBED, eps=1e-6)
            self.drop1, self.drop2, self.drop3, self.drop4 = (nn.Dropout(0.1) for _ in range(4))
            self.dense, self.classifier = nn.Linear(EMBED, 20), nn.Linear(20, 2)

        def forward(self, tokens):
            x = self.token(tokens) + self.position(torch.arange(tokens.shape[1]))
            attended = self.attention(x) if keyed else self.attention(x, x, x, need_weights=False)[0]
            x = self.norm1(x + self.drop1(attended))
            x = self.norm2(x + self.drop2(self.ffn(x)))
            x = self.drop3(x.mean(dim=1))
            return self.classifier(self.drop4(torch.relu(self.dense(x))))

    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    features, labels = torch.tensor(x_train, dtype=torch.long), torch.tensor(y_train, dtype=torch.long)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(features))
        for first in range(0, len(features), BATCH):
            rows = order[first : first + BATCH]
            optimizer.zero_grad()
            loss = functional.cross_entropy(model(features[rows]), labels[rows])
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        predictions = model(torch.tensor(x_test, dtype=torch.long)).argmax(dim=1).numpy()
    return times, float((predictions == y_test).mean())


def worker(framework, epochs, train, test):
    if framework == "kerasette":
        times, accuracy = run_kerasette(epochs, train, test)
        threads = "kerasette splits each batch across the cores (BLAS on one thread each)"
    else:
        import torch

        if framework.endswith("1thread"):
            torch.set_num_threads(1)
        times, accuracy = run_torch(epochs, train, test, keyed=framework.startswith("torch-keyed"))
        threads = f"torch intra-op threads {torch.get_num_threads()}"
    return {"framework": framework, "epoch_times": times, "accuracy": accuracy, "threads": threads}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train", type=int, default=3200)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.epochs, args.train, args.test)))
        return
    frameworks = args.frameworks.split(",")
    results = {name: [] for name in frameworks}
    env = {**os.environ, "PYTHONPATH": ROOT}
    for round_index in range(args.rounds):
        for name in frameworks:
            command = [sys.executable, __file__, "--worker", name, "--epochs", str(args.epochs)]
            command += ["--train", str(args.train), "--test", str(args.test)]
            output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
            result = json.loads(output.strip().splitlines()[-1])
            print(f"round {round_index + 1} {name}: {json.dumps(result)}", flush=True)
            results[name].append(result)
    print(
        f"\ntransformer block, batch {BATCH}, {args.train} training sequences of {MAXLEN} steps, "
        "median epoch (first epoch of each run excluded):"
    )
    medians = {name: statistics.median(t for r in runs for t in r["epoch_times"][1:]) for name, runs in results.items()}
    for name, runs in results.items():
        accuracy = statistics.median(r["accuracy"] for r in runs)
        ratio = medians.get("kerasette", float("nan")) / medians[name]
        print(f"  {name:12s} {medians[name]:8.2f} s   test accuracy {accuracy:.4f}   kerasette / {name} = {ratio:.2f}x")


if __name__ == "__main__":
    main()
