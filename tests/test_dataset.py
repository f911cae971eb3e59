"""kerasette.utils.Dataset: the tf.data methods, their cardinalities, and the threads."""

import threading

import numpy as np
import pytest

from kerasette.utils import Dataset
from kerasette.utils.dataset import AUTOTUNE, INFINITE, UNKNOWN


def numbers(n=10):
    return Dataset.from_tensor_slices(np.arange(n))


def values(dataset):
    return [np.asarray(element).tolist() for element in dataset]


def test_from_tensor_slices_of_tuples_and_dicts():
    pairs = Dataset.from_tensor_slices((np.arange(3), np.arange(3) * 10))
    assert [(int(a), int(b)) for a, b in pairs] == [(0, 0), (1, 10), (2, 20)]
    rows = Dataset.from_tensor_slices({"a": np.zeros((2, 4)), "b": np.ones(2)})
    assert [sorted(row) for row in rows] == [["a", "b"], ["a", "b"]] and next(iter(rows))["a"].shape == (4,)
    with pytest.raises(ValueError, match=r"tensors: expected parts with the same first dimension; received \[2, 3\]"):
        Dataset.from_tensor_slices((np.zeros(2), np.zeros(3)))


def test_map_passes_tuple_items_as_arguments_and_keeps_order_in_parallel():
    pairs = Dataset.from_tensor_slices((np.arange(50), np.arange(50)))
    threads = set()

    def add(a, b):
        threads.add(threading.current_thread().name)
        return int(a + b)

    assert list(pairs.map(add)) == [2 * n for n in range(50)]
    assert threads == {threading.current_thread().name}
    threads.clear()
    assert list(pairs.map(add, num_parallel_calls=AUTOTUNE)) == [2 * n for n in range(50)]
    assert threading.current_thread().name not in threads  # run in the pool
    with pytest.raises(TypeError, match="num_parallel_calls: expected an integer >= 1; received 'fast'"):
        pairs.map(add, num_parallel_calls="fast")


def test_an_error_in_a_parallel_map_reaches_the_consumer():
    def explode(n):
        if n == 7:
            raise RuntimeError("element 7 is bad")
        return n

    with pytest.raises(RuntimeError, match="element 7 is bad"):
        list(numbers().map(explode, num_parallel_calls=4).prefetch(2))


def test_batch_unbatch_and_their_cardinalities():
    assert values(numbers(7).batch(3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert values(numbers(7).batch(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    assert numbers(7).batch(3).cardinality() == 3 and numbers(7).batch(3, drop_remainder=True).cardinality() == 2
    unbatched = numbers(7).batch(3).unbatch()
    assert values(unbatched) == list(range(7)) and unbatched.cardinality() == UNKNOWN
    with pytest.raises(TypeError, match="length is unknown"):
        len(unbatched)
    pairs = Dataset.from_tensor_slices((np.arange(4), np.arange(4) * 2)).batch(2)
    assert [(a.tolist(), b.tolist()) for a, b in pairs] == [([0, 1], [0, 2]), ([2, 3], [4, 6])]
    with pytest.raises(ValueError, match=r"batch: elements of different shapes \[\(1,\), \(2,\)\]"):
        list(Dataset.from_elements([np.zeros(1), np.zeros(2)]).batch(2))


def test_shuffle_is_a_buffer_shuffle_seeded_and_new_each_iteration():
    shuffled = numbers(20).shuffle(20, seed=4)
    first, second = values(shuffled), values(shuffled)
    assert sorted(first) == sorted(second) == list(range(20)) and first != second
    again = numbers(20).shuffle(20, seed=4)
    assert [values(again), values(again)] == [first, second]
    fixed = numbers(20).shuffle(20, seed=4, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    # A buffer of 2 can only move an element a little earlier than its position.
    local = values(numbers(20).shuffle(2, seed=1))
    assert all(position >= value - 1 for position, value in enumerate(local))
    assert values(numbers(5).shuffle(1, seed=1)) == list(range(5))


def test_take_skip_repeat_and_cardinality():
    assert values(numbers().take(3)) == [0, 1, 2] and numbers().take(3).cardinality() == 3
    assert values(numbers().skip(8)) == [8, 9] and len(numbers().skip(8)) == 2
    assert values(numbers().take(-1)) == list(range(10)) and values(numbers().skip(-1)) == []
    assert values(numbers(3).repeat(2)) == [0, 1, 2, 0, 1, 2] and numbers(3).repeat(2).cardinality() == 6
    endless = numbers(3).repeat()
    assert endless.cardinality() == INFINITE and values(endless.take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert endless.take(4).cardinality() == 4
    with pytest.raises(TypeError, match="infinite"):
        len(endless)
    assert numbers().filter(lambda n: n % 2 == 0).cardinality() == UNKNOWN
    assert values(numbers().filter(lambda n: n % 2 == 0)) == [0, 2, 4, 6, 8]
    with pytest.raises(ValueError, match=r"count: expected an integer >= 0, or -1 for all; received -3"):
        numbers().take(-3)


def test_cache_reads_the_source_once_after_a_complete_iteration():
    reads = []
    cached = numbers(4).map(lambda n: reads.append(int(n)) or int(n)).cache()
    assert values(cached.take(2)) == [0, 1]  # an incomplete iteration fills no cache
    assert values(cached) == [0, 1, 2, 3] and values(cached) == [0, 1, 2, 3]
    assert reads == [0, 1, 0, 1, 2, 3]
    with pytest.raises(ValueError, match="filename: kerasette caches in memory only"):
        numbers().cache("/tmp/cache")


def test_prefetch_reads_ahead_in_a_background_thread_while_the_consumer_holds_a_batch():
    produced = threading.Event()
    threads = set()

    def mark(n):
        threads.add(threading.current_thread().name)
        if n == 5:  # an element of the second batch
            produced.set()
        return n

    iterator = iter(numbers(12).map(mark).batch(4).prefetch(2))
    assert next(iterator).tolist() == [0, 1, 2, 3]
    # The consumer asks for nothing more; the reader thread decodes the next batch meanwhile.
    assert produced.wait(timeout=30)
    assert threading.current_thread().name not in threads
    assert [batch.tolist() for batch in iterator] == [[4, 5, 6, 7], [8, 9, 10, 11]]


def test_an_abandoned_iteration_stops_its_reader_thread():
    before = {thread for thread in threading.enumerate() if thread.name.startswith("kerasette-prefetch")}
    iterator = iter(numbers(100).batch(2).prefetch(3))
    next(iterator)
    iterator.close()
    after = {thread for thread in threading.enumerate() if thread.name.startswith("kerasette-prefetch")}
    assert after <= before


def test_as_numpy_iterator_len_and_bad_arguments():
    dataset = numbers(5).batch(2)
    assert [batch.tolist() for batch in dataset.as_numpy_iterator()] == [[0, 1], [2, 3], [4]] and len(dataset) == 3
    with pytest.raises(TypeError, match="batch_size: expected an integer >= 1; received 2.5"):
        dataset.batch(2.5)
    with pytest.raises(TypeError, match="map_func: expected a function; received 3"):
        dataset.map(3)
    with pytest.raises(ValueError, match="buffer_size: expected an integer >= 1; received 0"):
        dataset.shuffle(0)
