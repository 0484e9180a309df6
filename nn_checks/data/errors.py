"""The one error of the data loaders: nothing found, with the places tried and the remedy."""
from __future__ import annotations

__all__ = ["DataNotFoundError"]


class DataNotFoundError(ValueError):
    """No copy of a data set was found; the message lists every place tried and the remedy.

    Attributes
    ----------
    tried : list of str
        The places looked at, in order.
    """

    def __init__(self, what: str, tried: list[str], how: str):
        self.tried = list(tried)
        super().__init__(f"{what} not found (tried: {'; '.join(self.tried) or 'nothing'}). "
                         f"To provide it: {how}.")

