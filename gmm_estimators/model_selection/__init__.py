"""Model selection for Gaussian mixtures: scorers, an in-sample splitter, a selector.

Three tools, from the most to the least scikit-learn-generic:

- :func:`bic_score`, :func:`aic_score` and :func:`icl_score` are scorers
  ``scorer(estimator, X, y=None)`` for :class:`~sklearn.model_selection.GridSearchCV`
  and friends (a dict of them gives multi-metric search). They accept a bare
  mixture or a :class:`~sklearn.pipeline.Pipeline` whose last step is a
  mixture, give a degenerate fit the worst score, and return the *negated*
  criterion because scikit-learn maximises scores. :func:`icl` computes the
  integrated completed likelihood criterion itself.
- :class:`InSampleSplit` is a one-split cross-validator whose train and test
  sets are both the whole data, so that ``GridSearchCV(..., cv=InSampleSplit())``
  computes information criteria the way they are defined: in-sample.
- :class:`GaussianMixtureIC` searches numbers of components and covariance
  structures in one call, sharing the k-means initialisation of each number of
  components between all structures, and never chooses a degenerate fit.

Sign conventions
----------------
Everything in this package follows scikit-learn's *lower-is-better* form:

* ``BIC = -2 log L + p log n``,
* ``AIC = -2 log L + 2 p``,
* ``ICL = BIC - 2 sum_i sum_k c_ik log z_ik``, with ``z_ik`` the posterior
  probability of component ``k`` for row ``i`` and ``c_ik`` the one-hot
  most-probable (MAP) labelling; the added term, minus twice the summed log
  posterior of each row's MAP component, penalises uncertain classifications,
  so ``ICL >= BIC``, with equality when posteriors are 0 or 1.

``log L`` is the total (not mean) log-likelihood and ``p`` the number of free
parameters. R's mclust reports ``2 log L - p log n``, which is the same number
with the sign flipped (higher is better); the scorers here return ``-BIC``,
``-AIC`` and ``-ICL``, which therefore *equal* mclust's values. The selector's
``criterion_`` and ``results_`` use the lower-is-better form, like
:meth:`GaussianMixture.bic`.

In-sample criteria versus held-out scores
-----------------------------------------
BIC is an in-sample criterion: the model is fitted to all ``n`` rows and the
log-likelihood of those same rows is penalised by ``p log n``; it approximates
``-2`` times the log marginal likelihood of the model. scikit-learn's gallery
example *Gaussian Mixture Model Selection* instead runs ``GridSearchCV`` with
its default 5-fold cross-validation and a BIC scorer, so each score is the
log-likelihood of a *held-out* fold (``n / 5`` rows) under a model fitted to
the other folds, penalised by ``p log(n / 5)``. That is a hybrid: held-out
likelihood already penalises overfitting, the penalty then counts it again with
the fold's size, and fitting on 80% of the data changes which models can be
supported. It can choose a different model than BIC proper (see the example
``plot_grid_search_pipeline.py``). Pass ``cv=InSampleSplit()`` to compute the
criterion as Schwarz and mclust define it, or use :class:`GaussianMixtureIC`,
which does so by construction and is much faster.
"""


# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from ._criteria import WORST_SCORE, aic_score, bic_score, icl, icl_score
from ._selector import GaussianMixtureIC
from ._split import InSampleSplit

__all__ = [
    "WORST_SCORE",
    "GaussianMixtureIC",
    "InSampleSplit",
    "aic_score",
    "bic_score",
    "icl",
    "icl_score",
]
