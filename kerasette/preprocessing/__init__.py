"""Host-side (NumPy) work of the preprocessing layers: text handling (``text``), vocabularies,
lookups and encodings (``lookup``), and TensorFlow's string hashes (``fingerprint``)."""
