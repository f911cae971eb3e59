"""Errors raised while locating, verifying or parsing dataset files."""


class DatasetError(ValueError):
    """A dataset file is missing, corrupted or not in the expected format.

    Subclasses `ValueError` so that callers treating bad input data as a value
    problem keep working; the message always names the file (or URL) involved,
    what was found and what was expected.

    Example:

    ```python
    try:
        (x_train, y_train), _ = kerasette.datasets.mnist.load_data()
    except kerasette.datasets.DatasetError as err:
        print(err)
    ```
    """
