"""Small bundled data sets and a generator of synthetic Gaussian mixtures.

- :func:`load_old_faithful`: the Old Faithful geyser data (272 x 2), bundled
  with the package.
- :func:`make_gaussian_mixture`: samples, labels and true parameters of a
  random Gaussian mixture with a chosen covariance structure.
"""

from ._base import load_old_faithful, make_gaussian_mixture

__all__ = ["load_old_faithful", "make_gaussian_mixture"]
