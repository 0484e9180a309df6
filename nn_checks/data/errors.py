"""The errors of the data loaders, each a ``ValueError`` with a one-line message (exit code 2).

* :class:`DataError`: a file or a directory the user named is unusable (damaged, incomplete,
  refused); the message names the file and what is wrong with it.
* :class:`DataNotFoundError`: no copy of a data set was found; the message names every place
  tried and how to provide the data.
"""
from __future__ import annotations

__all__ = ["DataError", "DataNotFoundError"]


class DataError(ValueError):
    """A data file or a named data directory is unusable; the message names it (one line)."""


class DataNotFoundError(DataError):
    """No copy of a data set was found; the message lists every place tried and the remedy.

    Attributes
    ----------
    what : str
        The data set looked for (e.g. ``"Fashion-MNIST"``).
    tried : list of str
        The places looked at, in order.
    how : str
        The remedy, as given to the user.
    """

    def __init__(self, what: str, tried: list[str], how: str):
        self.what, self.tried, self.how = what, list(tried), how
        super().__init__(f"{what} not found (tried: {'; '.join(self.tried) or 'nothing'}). "
                         f"To provide it: {how}.")
