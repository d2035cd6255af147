"""The Dask source: E-step and statistics per chunk, on the scheduler's workers.

Every EM iteration sends the current parameters (``O(K d^2)`` numbers) to
each chunk's task; the task computes the chunk's weighted log-likelihood and
its sufficient statistics (a ``covariance.StatisticsForm`` accumulator: plain
numpy arrays, ``O(K d^2)`` numbers) and sends them back; the client adds
them in chunk order and does the M-step. Rows never travel to the client,
except those of the starting sample (``_sampling``). Whatever scheduler is
active runs the tasks: threads, processes, the synchronous scheduler or a
``dask.distributed`` cluster.

Dask is imported here only, and this module only when a Dask array is given.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._constant import constant_summary, flat_to_rounding, set_constant
from ._data import (
    ArraySource,
    weight_scale,
)
from ._estep import em_step, reduce_blocks
from ._pages import check_page, merge_summaries, summarise_part
from ._representation import (
    bulk_center,
    dtype_for_extremes,
    feature_extremes,
    representable_center,
    scatter_about,
)
from ._sampling import holds_any, in_order, joined, row_hashes, rows_at
from ._sources import _working_dtype

__all__ = ["DaskSource"]


def _checked(block, dtype, name, first_row=None):
    # NaN are refused with a message naming this path (see check_page).
    return check_page(block, dtype, name, where="Dask array", first_row=first_row)


def _chunk_summary(block, w, rows, sample, dtype, name):
    """A chunk's weight, mean and scatter, its extremes, and either its rows'
    hashes (``sample.needs_hashes``) or its rows of the sample."""
    block = _checked(block, dtype, name, rows.start)
    if sample.needs_hashes:
        part = row_hashes(block)
    else:
        part = rows_at(sample.positions, rows, block, w)
    extremes = feature_extremes(block)
    kept = extremes if w is None else feature_extremes(block[w > 0])
    return summarise_part(block, w), extremes, part, kept


def _chunk_rows(block, w, rows, positions, dtype):
    """The chunk's rows at ``positions`` (sorted) and their weights."""
    return rows_at(positions, rows, np.asarray(block, dtype=dtype), w)


def _chunk_em_step(block, w, center, model, params, dtype, entropy=False, scale=1.0):
    """The E-step and statistics of one chunk (run on a worker)."""
    block = np.asarray(block, dtype=dtype)
    chunk = ArraySource(block, w, center, None, 1.0, weight_scale=scale)
    return em_step(model, chunk, params, entropy=entropy)


def _chunk_reduce(
    block, model, params, center, reduce, n_columns, dtype, name, out_dtype
):
    block = _checked(block, dtype, name)
    if block.shape[0] == 0:
        # The dtype of the other chunks' results (int labels stay int).
        return np.empty((0, n_columns) if n_columns > 1 else (0,), dtype=out_dtype)
    chunk = ArraySource.for_prediction(block, center)
    out = reduce_blocks(model, chunk, params, reduce).astype(out_dtype, copy=False)
    return out.reshape(block.shape[0], n_columns) if n_columns > 1 else out


class DaskSource:
    """A Dask array as a data source (see the module's notes).

    Attributes
    ----------
    X : dask.array.Array
        The data, one chunk across the columns.
    sample_weight : ndarray of shape (n,) or None
    center, total_scatter, weight_sum
        As in ``ArraySource``, from one pass over the chunks.
    sample : ArraySource or None
        The starting sample, on the client.
    """

    centred_X = None
    feature_cache = None
    #: Largest |x| of the rows, found by ``from_array``'s summary pass.
    largest = None

    def __init__(self, estimator, X, sample_weight, center, *, dtype=None):
        self.name = type(estimator).__name__
        self.dtype = _working_dtype(X.dtype) if dtype is None else np.dtype(dtype)
        # One chunk across the columns: every task sees whole rows.
        self.X = X.rechunk({1: -1})
        if self.X.dtype != self.dtype:
            self.X = self.X.astype(self.dtype)
        self.sample_weight = sample_weight
        self.weight_scale = weight_scale(sample_weight)
        # Rounded to the rows' dtype: chunks are centred in it (see _data).
        self.center = representable_center(center, self.dtype)
        self.total_scatter = None
        self.mean = None  # the weighted mean where the centre is not it
        with np.errstate(over="ignore"):  # inf: check_squares_fit names it
            self.weight_sum = float(
                X.shape[0] if sample_weight is None else np.sum(sample_weight)
            )
        self.sample = None

    @classmethod
    def from_array(cls, estimator, X, sample_weight, sample):
        """Summarise the chunks on the workers: centre, scatter and sample."""
        import dask

        source = cls(estimator, X, sample_weight, np.zeros(X.shape[1]))
        tasks = [
            dask.delayed(_chunk_summary, pure=True)(
                block, source._weights(rows), rows, sample, source.dtype, source.name
            )
            for rows, block in source._chunks()
        ]
        results = dask.compute(*tasks)
        weight_sum, center, scatter = merge_summaries(r[0] for r in results)
        if center is None or weight_sum <= 0:
            raise ValueError(
                "All sample weights are zero; at least n_components rows need "
                "a positive weight."
            )
        # Extreme float32 chunks (squares beyond float32's reach, or a
        # sentinel far beyond the other values) are computed in float64,
        # every one of them, decided as for an in-memory array: from the
        # extremes and the sample (all rows up to its size).
        highs = np.max([r[1][0] for r in results], axis=0)
        lows = np.min([r[1][1] for r in results], axis=0)
        if sample.needs_hashes:
            hashes = np.concatenate([r[2] for r in results])
            sample_X, sample_w = source._rows_at(
                sample.positions_from(hashes, sample_weight)
            )
        else:
            sample_X, sample_w = joined([r[2] for r in results])
        # As in memory (make_source): constant to rounding is constant, of
        # the rows of positive weight, in the rows' own dtype and before the
        # extremes decide another.
        kept_lows = np.min([r[3][1] for r in results], axis=0)
        flat = flat_to_rounding(
            kept_lows, np.max([r[3][0] for r in results], axis=0), source.dtype
        )
        if flat.any():
            source.X = source.X.map_blocks(
                set_constant, flat=flat, values=kept_lows, dtype=source.dtype
            )
            sample_X = set_constant(sample_X, flat, kept_lows)
            center, scatter = constant_summary(flat, kept_lows, center, scatter)
            highs, lows = (
                np.where(flat, kept_lows, highs),
                np.where(flat, kept_lows, lows),
            )
        source.largest = max(float(np.max(highs)), -float(np.min(lows)))
        dtype = dtype_for_extremes(source.dtype, highs, lows, sample_X)
        if dtype != source.dtype:
            source.dtype = dtype
            source.X = source.X.astype(dtype)
        # Off the bulk (a few far rows): its medians, read on the sample;
        # the scatter is then about them, as a centred pass would sum it.
        mean = center
        center = bulk_center(center, sample_X, sample_w)[0]
        source.center = representable_center(center, source.dtype)
        source.total_scatter = scatter_about(scatter, weight_sum, mean, source.center)
        source.mean = None if np.array_equal(mean, source.center) else mean
        source.weight_sum = weight_sum
        source.sample = ArraySource.from_arrays(
            sample_X.astype(source.dtype, copy=False),
            sample_w,
            center=center,
        )
        return source

    def _rows_at(self, positions):
        """The rows at ``positions`` and their weights, in that order (the
        chunks that hold them are read again)."""
        import dask

        ordered = np.sort(positions)
        tasks = [
            dask.delayed(_chunk_rows, pure=True)(
                block, self._weights(rows), rows, ordered, self.dtype
            )
            for rows, block in self._chunks()
            if holds_any(ordered, rows)
        ]
        return in_order(ordered, *joined(dask.compute(*tasks)), positions)

    @classmethod
    def for_prediction(cls, estimator, X, center, *, dtype=None):
        """A source for one pass over ``X``, read as ``dtype`` when given.

        float64 for float32 chunks when the model's numbers are beyond
        float32 (``_representation.query_dtype``).
        """
        return cls(estimator, X, None, center, dtype=dtype)

    def _chunks(self):
        """``(rows, delayed block)`` for every chunk of rows."""
        blocks = self.X.to_delayed().ravel()
        bounds = np.concatenate([[0], np.cumsum(self.X.chunks[0])])
        for i, block in enumerate(blocks):
            yield slice(int(bounds[i]), int(bounds[i + 1])), block

    def _weights(self, rows):
        return None if self.sample_weight is None else self.sample_weight[rows]

    # -- what the engine reads ------------------------------------------------
    @property
    def n_features(self):
        return self.X.shape[1]

    @property
    def n_rows(self):
        return self.X.shape[0]

    def init_source(self):
        return self.sample

    def one_pass(self, center):
        """A source for one more pass over the same chunks (no weights)."""
        source = DaskSource.__new__(DaskSource)
        source.__dict__.update(self.__dict__)
        source.center = representable_center(center, self.dtype)
        source.sample_weight, source.sample = None, None
        return source

    def blocks(self, model, n_components):
        # One block: the client runs no row threads of its own.
        return [slice(0, self.n_rows)]

    def em_step(self, model, params, mapper=map, *, entropy=False):
        """E-step and statistics chunk by chunk on the workers, added here."""
        import dask

        tasks = [
            dask.delayed(_chunk_em_step, pure=False)(
                block,
                self._weights(rows),
                self.center,
                model,
                params,
                self.dtype,
                entropy,
                self.weight_scale,
            )
            for rows, block in self._chunks()
        ]
        log_likelihood, total, total_entropy = 0.0, None, 0.0
        # Added in chunk order: the sum does not depend on the scheduler.
        for chunk_log_likelihood, stats in dask.compute(*tasks):
            log_likelihood += chunk_log_likelihood
            total_entropy += stats.entropy if entropy else 0.0
            if total is None:
                total = stats
            else:
                total += stats
        if entropy:
            total.entropy = total_entropy
        return log_likelihood, total

    def reduce_blocks(self, model, params, reduce):
        """A lazy Dask array: ``reduce`` of every chunk's log-densities.

        One column per component, or a vector when ``reduce`` gives one value
        per row. Float results of float32 chunks are float64: a chunk whose
        rows lie too far for float32's squares is computed in float64 (as in
        memory), and the array's dtype is declared before any chunk is read.
        """
        # The weighted log-densities have one column per component, and the
        # noise component's last when there is one.
        n_columns = params.weights.shape[0] + (params.noise_proportion is not None)
        probe = np.asarray(reduce(np.zeros((1, n_columns), dtype=self.dtype)))
        if probe.dtype.kind == "f":
            probe = probe.astype(np.float64)
        n_columns = probe.size
        if n_columns > 1:
            chunks, extra = (self.X.chunks[0], (n_columns,)), {}
        else:
            chunks, extra = (self.X.chunks[0],), {"drop_axis": 1}
        return self.X.map_blocks(
            _chunk_reduce,
            model,
            params,
            self.center,
            reduce,
            n_columns,
            self.dtype,
            self.name,
            probe.dtype,
            dtype=probe.dtype,
            chunks=chunks,
            meta=np.empty((0,) * len(chunks), dtype=probe.dtype),
            **extra,
        )
