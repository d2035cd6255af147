"""What a component's own rows must span for its likelihood to stay bounded.

A structure estimates some parameters of each component's covariance from
that component's rows alone (its volume, its shape, its orientation) and the
others from every component's rows. Only the former can shrink to zero when
a component sits on too few rows, so each structure declares one
:class:`OwnSpread`, the condition on the rows a component rests on:

=================== ============================== =========================
rule                structures                     degenerate when its rows
=================== ============================== =========================
``NOTHING``         equal volume and shape: EEE,   (only together: see below)
(``_BUT_AXES``,     tied (EEI; EII, E)
``_BUT_VOLUME``)
``SOME_SPREAD``     varying volume, equal shape:   are one point; VEI, VEE:
(``_BUT_AXES``,     VEE (VEI; VII, V, spherical)   or flat along features
``_ONLY``)                                         where the flat components
                                                   outweigh the rest
                                                   (``flattening``)
``OWN_ORIENTATION`` an orientation of its own      all lie on lower sets
                    turning a shared shape: EEV    together; spurious when
                    (and VEV, ``..._AND_VOLUME``:  ``r`` or fewer rows' worth
                    one point is degenerate)
``EVERY_AXIS``      varying diagonal shape: VVI,   have no spread along a
                    EVI, diag                      feature
``EVERY_DIRECTION`` varying shape with an          lie on a line or plane
                    orientation: VVE, VVV, EVE,    (lower affine rank)
                    EVV, full
=================== ============================== =========================

A varying shape under an equal volume (EVI, EVE, EVV:
``..._OF_A_SHARED_VOLUME``) keeps the determinant but not the shape: a
component on a lattice line of integer data, or on a few rows, takes a
needle-thin covariance along them, so it needs the rows of a varying shape.
Its determinant, shared, is held by the components that do spread, so the
gain is bounded (often by hundreds of BIC units): such a component is
spurious, not collapsed, while one of them spreads (mclust reports these
fits; EVE with 4 components on robustbase's starsCYG rests one on 2 rows),
and collapsed only when none does.

With ``NOTHING`` the covariance a component uses is estimated from every
component's rows, and only their pooled within-component scatter must span
what the shared part needs (every component on its own point, for example,
leaves nothing to estimate it from). What that is depends on the shared part
(``OwnSpread.shared``): every direction of the data's span for a shared
orientation and shape (EEE, tied, E, and VEE under ``SOME_SPREAD``), every
feature for a shared diagonal shape (EEI: ``NOTHING_BUT_AXES``; VEI:
``SOME_SPREAD_BUT_AXES``), and any spread at all for the one volume of a
spherical shape (EII: ``NOTHING_BUT_VOLUME``). A sphere of its own volume
(VII, spherical, V: ``SOME_SPREAD_ONLY``) shares nothing that can flatten:
every component on its own lattice line of integer data is sound there, its
likelihood bounded by the spread along the line (mclust fits such models,
for example VII with 9 components, each on one concentration of R's ``CO2``
data).

The rules read the scatter of a component's rows in standardised coordinates
(the data's variance is one per feature), so they are scale-free; rows that
spread beyond the rounding of their position along each of their own axes,
without being flat in their own correlation, pass every rule however tight
they are compared with the whole data (``_degenerate``: a cluster far from
the others is not a point, a line or a plane).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = [
    "EVERY_AXIS",
    "EVERY_AXIS_OF_A_SHARED_VOLUME",
    "EVERY_DIRECTION",
    "EVERY_DIRECTION_OF_A_SHARED_VOLUME",
    "NOTHING",
    "NOTHING_BUT_AXES",
    "NOTHING_BUT_VOLUME",
    "OWN_ORIENTATION",
    "OWN_ORIENTATION_AND_VOLUME",
    "SOME_SPREAD",
    "SOME_SPREAD_BUT_AXES",
    "SOME_SPREAD_ONLY",
    "OwnSpread",
]


class OwnSpread:
    """The condition on a component's rows for its likelihood to be bounded.

    Parameters
    ----------
    name : str
        Short name, for messages.
    needs : str
        What the rows must do, for messages ("span every direction", ...).
    pooled : bool, default=False
        Whether the shape is shared in one frame (or fixed, as a sphere's),
        so that no component can narrow its covariance to a lower set of its
        own.
    shared : object or None, default=None
        With ``pooled``, what the components' pooled within-component scatter
        must span for the shared part of the covariance to be estimable:
        ``_every_shared_direction`` (a shared orientation and shape: EEE,
        VEE), ``_every_shared_axis`` (a shared diagonal shape: EEI, VEI) or
        ``_shared_volume`` (one shared volume of a fixed shape: EII). None
        when nothing shared can flatten (a sphere of its own volume: VII).
    rotated : bool, default=False
        Whether the shared shape is turned to each component's own
        orientation (EEV, VEV): then not every component may rest on a
        lower-dimensional set.
    alone : OwnSpread or None, default=None
        For a varying shape under an equal volume (EVI, EVE, EVV), the same
        rule without the volume: a component whose rows do not spread as its
        shape needs narrows it with its determinant fixed, a bounded gain
        while another component spreads (spurious, not collapsed), but its
        covariance alone is as singular as under ``alone`` (EDDA's given
        classes are judged so). None: the rule itself.
    """

    #: Whether the rule's spread is the spread in every direction of the
    #: data's span (the check's rank test), which the check computes once
    #: from moments in the span's whitened coordinates.
    every_direction = False
    #: Whether the rule's spread is that along every feature: rows whose
    #: every feature spreads beyond rounding pass it, however thin compared
    #: with the data (``_degenerate``).
    every_axis = False

    def __init__(
        self,
        name,
        needs,
        *,
        pooled=False,
        rotated=False,
        shared=None,
        alone=None,
    ):
        self.name = name
        self.needs = needs
        self.pooled = pooled
        self.rotated = rotated
        self.shared = shared
        self.alone = self if alone is None else alone

    @property
    def volume_shared(self):
        """Whether every component shares the volume (a rule with an ``alone``)."""
        return self.alone is not self

    def narrowed(self, flat):
        """Components narrowed onto rows this rule calls degenerate.

        With a rule on one point (an own volume) a component must be flat
        along every feature; with a rule on every feature or direction,
        along one (see ``_engine.EMOptions.lattice_steps``).

        Parameters
        ----------
        flat : ndarray of shape (K, p), dtype=bool
            Along which features each component has narrowed onto one value
            (far narrower than the data's smallest step between two values).

        Returns
        -------
        narrowed : ndarray of shape (K,), dtype=bool
        """
        return np.zeros(flat.shape[0], dtype=bool)

    def narrowed_by_observers(self, flat, blind, held):
        """Components unbounded where the rows observing a direction sit on it.

        With missing values a component's covariance along a direction costs
        nothing to the rows that miss a feature of it: when the rows that
        observe it, and carry the component's weight, lie on a hyperplane
        through it there, its variance there can shrink without bound (along
        any such direction for a shape of its own; along every direction its
        rows observe for a sphere or a volume of its own; along one that
        every component's rows leave so for a shared part, or along every
        one for the one volume of a sphere). Under an equal volume a shape
        narrowed so is bounded while another component holding rows is not
        narrowed (spurious, not judged here).

        Parameters
        ----------
        flat : ndarray of shape (K, C), dtype=bool
            Whether the rows observing each candidate direction (a feature's
            axis, or a missingness pattern's narrowest direction) lie on a
            hyperplane through the component there.
        blind : ndarray of shape (K, C), dtype=bool
            Whether no row carrying the component's weight observes it, or
            the data themselves do not spread along it.
        held : ndarray of shape (K,), dtype=bool
            The components that hold rows.

        Returns
        -------
        narrowed : ndarray of shape (K,), dtype=bool
        """
        own_shape = self.every_axis or self.every_direction
        narrowed = self.narrowed(flat if own_shape else flat | blind)
        narrowed &= held
        if self.volume_shared and not narrowed[held].all():
            narrowed[:] = False
        if self.shared is not None and self.shared.flattened_by(
            flat[held], blind[held]
        ):
            narrowed = held.copy()
        return narrowed

    def narrowed_alone(self, find, n_held):
        """The components that narrow onto the rows observing their narrowest direction.

        ``find()`` gives (``{k: reason}``) the components whose narrowest
        direction is thin and whose rows observing it lie on a hyperplane
        there (``_missing_collapse.collapsed_on_observing_rows``, a pass over
        the rows: called only where it can matter). A component narrows that
        direction alone only with a volume and shape of its own (VVV, VVE,
        VVI). A shared or fixed shape (EII to VEE), or an equal volume beside
        shapes of their own (EVI, EVE, EVV), is judged by
        :meth:`narrowed_by_observers`: a sphere of shared volume beside a
        cluster whose constant feature sat far from the other's values read
        thin in the data's units, and was called collapsed. A shared shape
        turned to each component's axes (EEV, VEV) narrows only with every
        one of the ``n_held`` components that hold rows.
        """
        if self.pooled or self.volume_shared:
            return {}
        found = find()
        if self.rotated and len(found) < n_held:
            return {}
        return found

    def bounded_by_volume(self, reasons, held):
        """Components whose narrowed shape an equal volume bounds: spurious.

        Under an equal volume (``volume_shared``: EVI, EVE, EVV) a component
        whose rows fail the rule narrows its shape with its determinant fixed
        by the components that spread, a bounded gain; while one component
        that holds rows passes, each that fails is spurious, not collapsed.
        Their ``reasons`` say so.

        Parameters
        ----------
        reasons : dict
            ``{k: reason}`` of the components that fail the rule (or hold
            no rows).
        held : ndarray of shape (K,), dtype=bool
            The components that hold rows (a finite, positive weight).

        Returns
        -------
        list of int
        """
        narrowed = [k for k in reasons if held[k]]
        if not self.volume_shared or len(narrowed) == held.sum():
            return []
        for k in narrowed:
            reasons[k] += (
                ", a bounded gain while the volume it shares is held by the "
                "other components (a spurious component)"
            )
        return narrowed

    #: Whether components of their own volume share a shape that their rows
    #: can pull flat (VEI, VEE): see :meth:`flattening`.
    @property
    def pulls_shared_shape(self):
        return False

    #: Why :meth:`flattening` flags a component (the check's message).
    flattening_reason = (
        "its rows do not spread along features where it and the other "
        "components flat there outweigh the rest and pull the shape every "
        "component shares flat: its likelihood is unbounded"
    )

    def flattening(self, thin, weights, weight_sum):
        """Components whose flat rows pull the shared shape flat without bound.

        With a volume of its own and a shape shared by every component (VEI,
        VEE), a shape narrowing by ``eps`` along ``f`` of the ``p`` features
        (and widening along the others, its determinant fixed) lets the
        components whose rows do not spread along those ``f`` features
        shrink their volume by ``eps^(f / (p - f))``, a gain of
        ``f / (p - f) log(1 / eps)`` per unit of their weight, while every
        other component loses at most ``log(1 / eps)`` per unit: the
        likelihood is unbounded when ``N_flat f > (N - N_flat)(p - f)``,
        ``N`` the Gaussian components' weight (noise rows lose nothing).
        (One component flat alone is sound: the others hold the shape.)
        The test is made for the sets of features each component is flat
        along and their intersections (two components flat along features
        {1, 2} and {1, 3} pull the shape flat along feature 1); it is
        sufficient, not necessary (the others' partial flatness would only
        add to the gain), and it reads flatness along the features only.

        Parameters
        ----------
        thin : dict
            ``{k: bool array (p,)}``: the features along which component
            ``k``'s resting rows do not spread beyond rounding.
        weights : ndarray of shape (K,)
            The components' weights ``N_k``.
        weight_sum : float
            ``N``, the sum of every Gaussian component's weight.

        Returns
        -------
        list of int
        """
        if not (self.pulls_shared_shape and thin):
            return []
        flagged = set()
        p = next(iter(thin.values())).size
        # The components' flat sets and their intersections.
        sets = {frozenset(np.flatnonzero(a).tolist()) for a in thin.values()}
        sets.discard(frozenset())
        while True:
            more = {a & b for a in sets for b in sets} - sets - {frozenset()}
            if not more:
                break
            sets |= more
        for axes in sorted(tuple(sorted(s)) for s in sets):
            f = len(axes)
            if not 0 < f < p:
                continue
            members = [k for k, a in thin.items() if a[list(axes)].all()]
            n_flat = float(sum(weights[k] for k in members))
            if n_flat * f > (weight_sum - n_flat) * (p - f):
                flagged.update(members)
        return sorted(flagged)

    def pooled_spread(self, within, weight_sum, rotation):
        """How far the pooled within scatter is from flattening the shared part.

        Parameters
        ----------
        within : ndarray of shape (p, p)
            The components' pooled within-component scatter (or a lower
            bound of it), in the standardised coordinates of the data's
            varying features.
        weight_sum : float
            The data's total weight (the data's scatter is ``weight_sum``
            per feature there).
        rotation : ndarray of shape (p, r)
            As in :meth:`relative_spread`.

        Returns
        -------
        float
            The square root of the smallest share of the data's variance
            the shared part is estimated from (0: it flattens; ``inf`` when
            nothing is shared).
        """
        if self.shared is None:
            return np.inf
        return self.shared.spread(within / weight_sum, rotation)

    def pooled_clears_rounding(self, every_axis, every_direction, size_clears):
        """Whether pooled rows that spread in their own terms estimate the shared part.

        The arguments are ``_resting_rows.own_axes_spread`` of the pooled
        scatter and whether its total size clears the rounding of the rows'
        position: tight clusters far apart are tiny against the data's
        scatter, yet spread in every direction of their own.
        """
        if self.shared is None:
            return True
        return self.shared.clears(every_axis, every_direction, size_clears)

    def __repr__(self):
        return f"OwnSpread({self.name!r})"

    def min_weight(self, rank):
        """Least responsibility weight (in rows) the component needs."""
        return 0.0

    def min_rows(self, rank):
        """Least number of distinct rows the component must rest on."""
        return 0

    def spurious_below(self, rank):
        """Rows' worth below which a bounded fit of the component is spurious."""
        return 0.0

    def relative_spread(self, scatter, rotation):
        """How far the rows are from a lower-dimensional set (0: on one).

        Parameters
        ----------
        scatter : ndarray of shape (p, p)
            Weighted covariance of the component's resting rows, in the
            standardised coordinates of the data's varying features.
        rotation : ndarray of shape (p, r)
            Maps those coordinates to the whitened coordinates of the data's
            own span (its correlation eigenvectors with a non-negligible
            eigenvalue, divided by the square root of that eigenvalue).

        Returns
        -------
        float
            Compared with a threshold (``1e-6``) by ``_degenerate``.
        """
        return np.inf

    def spread_lower_bound(self, subset_scatter, mass, weight_sum, rotation):
        """A lower bound of :meth:`relative_spread` from a subset of the rows.

        The resting rows' weighted covariance ``C`` is at least
        ``subset_scatter / mass`` (a subset's scatter about its own mean is
        below the whole set's) and at most ``T / mass`` in the Loewner order,
        with ``T`` the data's total scatter in standardised coordinates
        (weights ``a_i <= w_i``): ``T`` has ``weight_sum`` on its diagonal
        and ``rotation.T @ T @ rotation = weight_sum * I``.

        Parameters
        ----------
        subset_scatter : ndarray of shape (p, p)
            ``sum a_i (z_i - m)(z_i - m)^T`` over a subset of the resting
            rows, ``m`` their weighted mean (not divided by their weight).
        mass : float
            The weight of every resting row.
        weight_sum : float
            The data's total weight.
        rotation : ndarray of shape (p, r)
            As in :meth:`relative_spread`.

        Returns
        -------
        float
            0 (no bound) unless the rule gives one.
        """
        return 0.0


class _Nothing(OwnSpread):
    pass


class _SomeSpread(OwnSpread):
    # Degenerate only on one point: that is the check's own size test, made
    # before any rule (``_resting_rows.point_size``, relative to the rounding
    # of the rows' position, so that a cluster far from the others, however
    # tight compared with the data, is not one point). Rows past that test
    # spread enough for an own volume.
    def narrowed(self, flat):
        return np.all(flat, axis=1)

    def min_rows(self, rank):
        return 2

    def relative_spread(self, scatter, rotation):
        return np.inf

    def spread_lower_bound(self, subset_scatter, mass, weight_sum, rotation):
        return np.inf

    @property
    def pulls_shared_shape(self):
        # An own volume over a shared shape (VEI, VEE), not a sphere's.
        return self.shared is not None


class _EveryAxis(OwnSpread):
    every_axis = True

    def narrowed(self, flat):
        return np.any(flat, axis=1)

    def min_weight(self, rank):
        return 2.0

    def min_rows(self, rank):
        return 2

    def relative_spread(self, scatter, rotation):
        variances = np.clip(np.diag(scatter), 0.0, None)
        top = variances.max(initial=0.0)
        return float(np.sqrt(variances.min() / top)) if top > 0 else 0.0

    def spread_lower_bound(self, subset_scatter, mass, weight_sum, rotation):
        # The largest variance of C is at most weight_sum / mass.
        smallest = np.diag(subset_scatter).min(initial=np.inf)
        return float(np.sqrt(max(smallest, 0.0) / weight_sum))


class _EveryDirection(OwnSpread):
    every_direction = True

    def narrowed(self, flat):
        return np.any(flat, axis=1)

    def min_weight(self, rank):
        return rank + 1.0

    def min_rows(self, rank):
        return rank + 1

    def relative_spread(self, scatter, rotation):
        eigenvalues = np.linalg.eigvalsh(rotation.T @ scatter @ rotation)
        top = eigenvalues[-1] if eigenvalues.size else 0.0
        return float(np.sqrt(max(eigenvalues[0], 0.0) / top)) if top > 0 else 0.0

    def spread_lower_bound(self, subset_scatter, mass, weight_sum, rotation):
        # The largest eigenvalue of rotation' C rotation is at most
        # weight_sum / mass.
        if not rotation.shape[1]:
            return 0.0
        smallest = np.linalg.eigvalsh(rotation.T @ subset_scatter @ rotation)[0]
        return float(np.sqrt(max(smallest, 0.0) / weight_sum))


class _OwnOrientation:
    """An orientation of its own: more than ``r`` rows' worth, or spurious.

    Turned to its own orientation, the shared shape lays its narrow axes
    across the few rows of a component: with at most ``r`` of them (a
    segment in 3-D, a 5-D slab in 6-D) the likelihood stays bounded, but
    only through the other components, and the fits that win this way are
    spurious (on 31 or 47 rows, VEV with 9 components of 2 to 7 rows each
    beat every sound model by 30 to 40 BIC units, where mclust cannot fit
    them at all).
    """

    def spurious_below(self, rank):
        return rank + 1.0


class _OwnOrientationOnly(_OwnOrientation, _Nothing):
    pass


class _OwnOrientationAndVolume(_OwnOrientation, _SomeSpread):
    pass


class _SharedPart:
    """What the pooled within scatter must span for one kind of shared part."""

    def __init__(self, spread, clears, *, oblique=False, per_feature=True):
        self.spread = spread
        self.clears = clears
        # Whether the part shared is a full shape, which few rows can flatten
        # in an oblique direction (``_spurious.flat_shared_shape``).
        self.oblique = oblique
        # Whether it narrows along one feature (a shape) or only as a whole
        # (the one volume of a sphere).
        self.per_feature = per_feature

    def flattened_by(self, flat, blind):
        """Whether components flat as ``flat`` (K, C) leave it nothing to span.

        ``blind`` marks the directions a component's rows do not observe
        (they oppose nothing); a direction flattens the shared part where
        every component is flat or blind along it and one is flat.
        """
        together = flat | blind
        if self.per_feature:
            return bool(np.any(np.all(together, axis=0) & np.any(flat, axis=0)))
        return bool(np.all(together) and flat.any())


def _direction_share(scaled, rotation):
    if not rotation.shape[1]:
        return 0.0
    share = np.linalg.eigvalsh(rotation.T @ scaled @ rotation)
    return float(np.sqrt(max(share[0], 0.0)))


def _variances(scaled):
    return np.clip(np.diag(scaled), 0.0, None)


#: A shared orientation and shape (EEE, VEE): spread in every direction of
#: the data's span, else the shared covariance flattens along the rest.
_every_shared_direction = _SharedPart(
    _direction_share, lambda axes, directions, size: directions, oblique=True
)
#: A shared diagonal shape (EEI, VEI): spread along every feature.
_every_shared_axis = _SharedPart(
    lambda scaled, rotation: float(np.sqrt(_variances(scaled).min(initial=0.0))),
    lambda axes, directions, size: axes,
)
#: One shared volume of a fixed (spherical) shape (EII): some spread at all;
#: components on points, lines or planes of different directions still
#: give the one variance its positive trace.
_shared_volume = _SharedPart(
    lambda scaled, rotation: (
        float(np.sqrt(_variances(scaled).mean())) if scaled.size else 0.0
    ),
    lambda axes, directions, size: size,
    per_feature=False,
)

NOTHING = _Nothing(
    "nothing", "a positive weight", pooled=True, shared=_every_shared_direction
)
# Covariances bounded away from singular whatever the rows (a known
# covariance, a floor on the variances): no rows can collapse a component,
# and nothing shared must be spanned either.
BOUNDED = _Nothing("bounded", "a positive weight", pooled=True)
NOTHING_BUT_AXES = _Nothing(
    "nothing (shared axes)", "a positive weight", pooled=True, shared=_every_shared_axis
)
NOTHING_BUT_VOLUME = _Nothing(
    "nothing (shared volume)", "a positive weight", pooled=True, shared=_shared_volume
)
SOME_SPREAD = _SomeSpread(
    "some spread",
    "more than one distinct point",
    pooled=True,
    shared=_every_shared_direction,
)
SOME_SPREAD_BUT_AXES = _SomeSpread(
    "some spread (shared axes)",
    "more than one distinct point",
    pooled=True,
    shared=_every_shared_axis,
)
# A sphere of its own volume: nothing shared can flatten (VII, spherical, V).
SOME_SPREAD_ONLY = _SomeSpread(
    "some spread (own sphere)", "more than one distinct point", pooled=True
)
OWN_ORIENTATION = _OwnOrientationOnly(
    "own orientation", "a positive weight", rotated=True
)
OWN_ORIENTATION_AND_VOLUME = _OwnOrientationAndVolume(
    "own orientation and volume", "more than one distinct point", rotated=True
)
EVERY_AXIS = _EveryAxis("every axis", "spread along every feature")
EVERY_DIRECTION = _EveryDirection(
    "every direction", "spread in every direction the data span"
)
# A varying shape under an equal volume (EVI; EVE, EVV).
EVERY_AXIS_OF_A_SHARED_VOLUME = _EveryAxis(
    "every axis (shared volume)", "spread along every feature", alone=EVERY_AXIS
)
EVERY_DIRECTION_OF_A_SHARED_VOLUME = _EveryDirection(
    "every direction (shared volume)",
    "spread in every direction the data span",
    alone=EVERY_DIRECTION,
)
