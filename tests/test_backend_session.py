"""keras.backend's session and settings functions, and Keras 2's import paths, as Keras documents them."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers


def test_clear_session_restarts_layer_names_as_in_keras_docstring():
    # keras.backend.clear_session's own example: ten Dense layers, the eleventh is dense_10,
    # and after clear_session a new one is 'dense' again.
    backend.clear_session()
    _ = [layers.Dense(10) for _ in range(10)]
    assert layers.Dense(10).name == "dense_10"
    backend.clear_session()
    assert layers.Dense(10).name == "dense"
    model = keras.Sequential([layers.Dense(2)])
    backend.clear_session(free_memory=False)
    assert keras.Sequential([layers.Dense(2)]).name == model.name == "sequential"


def test_clear_session_keeps_settings_and_the_random_sequence():
    keras.utils.set_random_seed(5)
    first = layers.Dense(3, input_shape=(2,))
    keras.Sequential([first])
    keras.utils.set_random_seed(5)
    backend.clear_session()
    second = layers.Dense(3, input_shape=(2,))
    keras.Sequential([second])
    np.testing.assert_array_equal(first.get_weights()[0], second.get_weights()[0])
    assert backend.floatx() == "float32" and backend.image_data_format() == "channels_last"


def test_get_uid_counts_per_prefix_as_keras():
    backend.clear_session()
    assert [backend.get_uid("a"), backend.get_uid("a"), backend.get_uid("b")] == [1, 2, 1]


def test_image_data_format_defaults_to_channels_last_and_is_settable():
    assert backend.image_data_format() == "channels_last"
    try:
        backend.set_image_data_format("Channels_First")
        assert backend.image_data_format() == "channels_first"
    finally:
        backend.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="data_format: expected 'channels_last' or 'channels_first'; received 'nhwc'"):
        backend.set_image_data_format("nhwc")
    assert backend.image_data_format() == "channels_last"


def test_epsilon_and_floatx_are_keras_defaults():
    assert backend.epsilon() == 1e-7 and backend.floatx() == "float32"


def test_keras_2_np_utils_path_is_the_same_to_categorical():
    from kerasette.utils import np_utils
    from kerasette.utils.np_utils import to_categorical

    assert to_categorical is keras.utils.to_categorical is np_utils.to_categorical
    np.testing.assert_array_equal(to_categorical([0, 2], 3), [[1, 0, 0], [0, 0, 1]])
