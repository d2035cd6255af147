"""InSampleSplit: one split whose train and test sets are the whole data."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils.validation import (
    _num_samples,
)


class InSampleSplit(BaseCrossValidator):
    """One split whose training and test sets are both the whole data.

    Information criteria such as BIC, AIC and ICL are in-sample: they
    penalise the log-likelihood of the very data the model was fitted to.
    ``GridSearchCV(..., scoring=bic_score, cv=InSampleSplit())`` therefore
    computes them as defined, instead of on held-out folds.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators.model_selection import InSampleSplit
    >>> cv = InSampleSplit()
    >>> cv
    InSampleSplit()
    >>> [(train.tolist(), test.tolist()) for train, test in cv.split(np.zeros((3, 2)))]
    [([0, 1, 2], [0, 1, 2])]
    >>> cv.get_n_splits()
    1
    """

    def split(self, X, y=None, groups=None):
        """Yield the single split ``(arange(n), arange(n))``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; only its number of rows is used.
        y : Ignored
            Not used, present for API consistency.
        groups : Ignored
            Not used, present for API consistency.

        Yields
        ------
        train : ndarray of shape (n_samples,)
        test : ndarray of shape (n_samples,)
        """
        n_samples = _num_samples(X)
        yield np.arange(n_samples), np.arange(n_samples)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits: always 1.

        Parameters
        ----------
        X, y, groups : Ignored
            Not used, present for API consistency.

        Returns
        -------
        n_splits : int
        """
        return 1
