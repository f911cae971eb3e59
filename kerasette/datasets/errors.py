"""Errors raised while locating, verifying or parsing dataset files."""


class DatasetError(ValueError):
    """A dataset file is missing, corrupted or not in the expected format.

    Subclasses `ValueError` so that callers treating bad input data as a value
    problem keep working; the message always names the file (or URL) involved,
    what was found and what was expected.

    Example:
    >>> import kerasette
    >>> try:
    ...     kerasette.datasets.mnist.load_data(path='/nonexistent')
    ... except kerasette.datasets.DatasetError as err:
    ...     print(str(err).split(':')[0])
    path='/nonexistent'
    """
