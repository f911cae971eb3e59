"""keras-io's "Text classification with Transformer", on kerasette (only the import changed).

A Transformer block (MultiHeadAttention with 2 heads, a feed-forward network, residual
connections, layer normalization and dropout) on token plus position embeddings of IMDB
reviews cut to 200 words, averaged over the steps and classified; Adam, sparse
categorical cross-entropy, batch 32, 2 epochs. The Keras example reports about 88%
validation accuracy.

Data: ``keras.datasets.imdb`` when its ``imdb.npz`` is found (``KERASETTE_DATA_DIR/imdb``,
the cache, or a download). Where it is not (as on a machine without network), a
synthetic stand-in in the same layout is used, and said so: :func:`synthetic_imdb`'s
reviews are lists of word indices (1 the start mark, then 50 to 400 words) whose label
shows only in a few "positive" or "negative" cue words among them, so that a model learns
it only by reading the words, as on the real reviews.

Run:  python examples/text_classification_transformer.py

Reference: https://keras.io/examples/nlp/text_classification_with_transformer/
"""

import numpy as np

import kerasette as keras
from kerasette import layers, ops


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [
                layers.Dense(ff_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


def synthetic_imdb(num_words=20000, train_size=25000, test_size=25000, seed=0):
    """A learnable stand-in for ``imdb.load_data(num_words=num_words)`` in its layout:
    ``(x_train, y_train), (x_test, y_test)``, object arrays of lists of ints and labels 0/1.

    Each review starts with 1 (Keras's start mark) and has 30 to 190 words drawn from the
    vocabulary (indices 3 to ``num_words - 1``); 8 to 20 of them are "strong" cue words of its
    label (indices 10-59 positive, 60-109 negative) and a quarter as many cue words of the
    other label, at random places.
    """
    rng = np.random.RandomState(seed)
    positive, negative = np.arange(10, 60), np.arange(60, 110)
    neutral = np.concatenate([np.arange(3, 10), np.arange(110, num_words)])

    def reviews(count):
        texts, labels = np.empty(count, dtype=object), rng.randint(0, 2, count)
        for index, label in enumerate(labels):
            review = rng.choice(neutral, size=rng.randint(30, 191))
            strong, weak = (positive, negative) if label else (negative, positive)
            cues = rng.randint(8, 21)
            places = rng.choice(len(review), size=cues + cues // 4, replace=False)
            review[places[:cues]] = rng.choice(strong, size=cues)
            review[places[cues:]] = rng.choice(weak, size=cues // 4)
            texts[index] = [1, *review.tolist()]
        return texts, labels

    return reviews(train_size), reviews(test_size)


def load_imdb(vocab_size, train_samples=None, val_samples=None):
    """IMDB's reviews, else the synthetic stand-in (as many reviews as will be used)."""
    try:
        return keras.datasets.imdb.load_data(num_words=vocab_size), "IMDB"
    except keras.datasets.DatasetError:
        print("imdb.npz not found: using the synthetic stand-in (see the module docstring)")
        sizes = {"train_size": train_samples or 25000, "test_size": val_samples or 25000}
        return synthetic_imdb(num_words=vocab_size, **sizes), "synthetic stand-in"


def main(epochs=2, train_samples=None, val_samples=None, verbose=1, callbacks=None):
    """Train the example and return its validation accuracy and the data's name.

    Args:
        epochs: Training epochs (the example's 2 by default).
        train_samples, val_samples: Use the first this many reviews only (all when None).
        verbose: ``fit``'s verbosity.
        callbacks: ``fit``'s callbacks (benchmarks/transformer.py times the epochs with one).
    """
    vocab_size = 20000  # Only consider the top 20k words
    maxlen = 200  # Only consider the first 200 words of each movie review
    ((x_train, y_train), (x_val, y_val)), source = load_imdb(vocab_size, train_samples, val_samples)
    x_train, y_train = x_train[:train_samples], y_train[:train_samples]
    x_val, y_val = x_val[:val_samples], y_val[:val_samples]
    print(len(x_train), "Training sequences")
    print(len(x_val), "Validation sequences")
    x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
    x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)

    embed_dim = 32  # Embedding size for each token
    num_heads = 2  # Number of attention heads
    ff_dim = 32  # Hidden layer size in feed forward network inside transformer

    inputs = layers.Input(shape=(maxlen,))
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)

    model = keras.Model(inputs=inputs, outputs=outputs)

    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(
        x_train,
        y_train,
        batch_size=32,
        epochs=epochs,
        validation_data=(x_val, y_val),
        verbose=verbose,
        callbacks=callbacks,
    )
    return history.history["val_accuracy"][-1], source


if __name__ == "__main__":
    accuracy, data = main()
    print(f"validation accuracy on the {data}: {accuracy:.4f}")
