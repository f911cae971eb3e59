"""DLwP's IMDB sentiment model with an LSTM (Deep Learning with Python, listing 6.27,
"Using the LSTM layer in Keras"), on kerasette: the listing's code with only the import
changed (and the padding function's Keras 3 home, ``keras.utils.pad_sequences``).

It needs the IMDB data (``keras.datasets.imdb.load_data``) and ``pad_sequences``; the
book reports about 89% validation accuracy after 10 epochs. IMDB_LSTM_EPOCHS lowers the
number of epochs (default 10, the book's).

Run:  python examples/imdb_lstm.py
"""

import os

import kerasette as keras
from kerasette.datasets import imdb
from kerasette.layers import LSTM, Dense, Embedding
from kerasette.models import Sequential

max_features = 10000  # number of words to consider as features
maxlen = 500  # cut texts after this number of words (among top max_features most common words)
batch_size = 32

print("Loading data...")
(input_train, y_train), (input_test, y_test) = imdb.load_data(num_words=max_features)
print(len(input_train), "train sequences")
print(len(input_test), "test sequences")

print("Pad sequences (samples x time)")
input_train = keras.utils.pad_sequences(input_train, maxlen=maxlen)
input_test = keras.utils.pad_sequences(input_test, maxlen=maxlen)
print("input_train shape:", input_train.shape)
print("input_test shape:", input_test.shape)

model = Sequential()
model.add(Embedding(max_features, 32))
model.add(LSTM(32))
model.add(Dense(1, activation="sigmoid"))

model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
history = model.fit(
    input_train,
    y_train,
    epochs=int(os.environ.get("IMDB_LSTM_EPOCHS", 10)),
    batch_size=128,
    validation_split=0.2,
)
print("Final validation accuracy:", history.history["val_acc"][-1])
