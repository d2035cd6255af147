"""Data sources that stream: row pages of any sliceable array, and the dispatch.

A fit reads its data only through a source (``_data.ArraySource`` is the
in-memory one). The sources here hold no copy of the data:

- :class:`StreamSource` reads pages of rows from anything that slices like
  an array (``np.memmap``, an ``h5py`` dataset, a ``zarr`` array, or an
  in-memory array too large to copy), centres each block when it is read and
  runs the engine's own E-step on every page, adding the statistics;
- ``_dask.DaskSource`` does the same per chunk of a Dask array, on the
  workers of the active scheduler.

:func:`make_source` is the one place where ``fit`` chooses a source for its
input; :func:`prediction_source` does the same for one pass (``predict``,
``score_samples``...).

The starts of a streamed fit are computed on a sample (``_sampling``): at
most ``max(10_000, 50 * n_components)`` rows, uniform without replacement
and chosen by their values, so deterministic given ``random_state`` whatever
the rows' order, storage or page size, with their weights. With no more rows
than that, the sample is the whole data and the fit equals the in-memory one
from the same start.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import mmap
import sys
from collections.abc import Iterator

import numpy as np
from scipy import sparse
from sklearn.utils import gen_batches
from sklearn.utils.validation import _check_sample_weight

from ._constant import (
    constant_summary,
    constant_to_rounding,
    flat_to_rounding,
    set_constant,
)
from ._data import (
    ArraySource,
    row_blocks,
    weight_scale,
)
from ._estep import em_step, reduce_blocks
from ._pages import check_page, merge_summaries, summarise_part
from ._representation import (
    bulk_center,
    dtype_for_extremes,
    feature_extremes,
    query_dtype,
    representable_center,
    scatter_about,
)
from ._sampling import StartingSample, holds_any, in_order, joined, row_hashes, rows_at
from ._validation import validate_data

__all__ = [
    "StreamSource",
    "check_not_chunks",
    "is_streamed",
    "make_source",
    "per_row_like",
    "prediction_source",
]

#: In-memory arrays larger than this are streamed too: no centred copy of the
#: data, starts on a sample, so a fit needs little more than the data. Below
#: it a fit keeps its centred copy and starts from all rows, as scikit-learn
#: does. (Measured on 1,000,000 x 16 in memory, the streamed iteration is no
#: slower: centring a block when it is read costs less than the E-step.)
STREAM_BYTES = 64 * 2**20

#: Rows read at once from a streamed array (one page, a view or one read).
PAGE_BYTES = 32 * 2**20

_FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def check_not_chunks(estimator, X, *, method=None, name=None):
    """Refuse an iterator of chunks or a list of 2-D chunks, naming the remedy.

    No estimator reads its rows from an iterator (the EM iterations read
    them again and again), and a list of 2-D arrays is not one array:
    numpy would make it a 3-D array (or fail on chunks of unequal sizes)
    and the error would not say why. ``name`` (a function's) replaces the
    estimator's in the message.
    """
    join = "np.concatenate(list(chunks))"
    if isinstance(X, Iterator):
        what = f"an iterator ({type(X).__name__})"
        # Refused either way, so reading its first item costs nothing: an
        # iterator of rows (csv.reader, a cursor, map) is stacked, not joined.
        first = next(X, None)
        if first is not None and np.ndim(first) < 2:
            what = f"an iterator of rows ({type(X).__name__})"
            join = "np.vstack(list(rows))"
    elif isinstance(X, list | tuple) and X and all(np.ndim(c) == 2 for c in X):
        what = f"a {type(X).__name__} of {len(X)} two-dimensional chunks"
    else:
        return
    if name is None:
        name = type(estimator).__name__ + ("" if method is None else f".{method}")
    stream = (
        " To update the model one chunk at a time, call partial_fit on each chunk."
        if hasattr(estimator, "partial_fit")
        else ""
    )
    raise TypeError(
        f"{name} expects one array of shape (n_samples, n_features); "
        f"got {what}. Make them one array: {join} "
        "if they fit in memory, dask.array.concatenate(chunks) for a Dask "
        "array read chunk by chunk, or a memory map (np.load(path, "
        f"mmap_mode='r')) for rows on disk.{stream}"
    )


def _dask_frame_as_array(X):
    """A Dask DataFrame as ``(its empty pandas frame, its Dask array)``.

    Its rows are then streamed chunk by chunk as a Dask array's (scikit-learn
    would compute the whole frame on the client), and its column names are
    read from the empty frame (``_meta``). Anything else: ``(X, X)``.
    """
    if not (hasattr(X, "to_dask_array") and hasattr(X, "columns")):
        return X, X
    # lengths=True: one pass for the partitions' row counts, which the
    # sampled start and the row blocks need.
    return X._meta, X.to_dask_array(lengths=True)


def _is_dask_array(X):
    array_module = sys.modules.get("dask.array")
    return array_module is not None and isinstance(X, array_module.Array)


def _is_out_of_core(X):
    """Whether X is sliced page by page rather than validated as a whole."""
    if isinstance(X, np.memmap):
        # joblib hands in-memory arguments above 1 MB to its worker processes
        # as read-only maps of a temporary file: data in memory all the same,
        # fitted as in the parent (missing values, no sampled start).
        return "joblib_memmapping_folder_" not in str(getattr(X, "filename", ""))
    if isinstance(X, np.ndarray) or sparse.issparse(X) or hasattr(X, "iloc"):
        return False
    return all(hasattr(X, name) for name in ("shape", "dtype", "__getitem__"))


def per_row_like(X, values):
    """Per-row ``values`` (an ndarray) in ``X``'s kind of array.

    A Dask array chunked as ``X``'s rows when ``X`` is one (as a fit on Dask
    chunks returns its labels), otherwise ``values``.
    """
    if _is_dask_array(X) and isinstance(values, np.ndarray):
        return sys.modules["dask.array"].from_array(values, chunks=(X.chunks[0],))
    return values


def is_streamed(X):
    """Whether ``X`` is read by pages or chunks rather than validated whole."""
    return _is_dask_array(X) or _is_out_of_core(X)


def _working_dtype(dtype):
    dtype = np.dtype(dtype)
    return dtype if dtype in _FLOAT_DTYPES else np.dtype(np.float64)


def _check_shape(estimator, X, ensure_min_samples):
    """scikit-learn's shape errors for inputs that are not converted whole."""
    shape = tuple(X.shape)
    if len(shape) != 2:
        raise ValueError(
            f"Expected 2D array, got {len(shape)}D array instead with shape "
            f"{shape}. Reshape your data either using array.reshape(-1, 1) if "
            "your data has a single feature or array.reshape(1, -1) if it "
            "contains a single sample."
        )
    if any(isinstance(size, float) and np.isnan(size) for size in shape):
        raise ValueError(
            f"The number of rows of the Dask array is unknown (shape {shape}); "
            "call X.compute_chunk_sizes() first."
        )
    name = type(estimator).__name__
    if shape[0] < ensure_min_samples:
        raise ValueError(
            f"Found array with {shape[0]} sample(s) (shape={shape}) while a "
            f"minimum of {ensure_min_samples} is required by {name}."
        )
    if shape[1] < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of "
            f"1 is required by {name}."
        )
    kind = np.dtype(X.dtype).kind
    if kind not in "fiub":
        raise ValueError(
            f"{name} expects numeric data; got an array of dtype {X.dtype}. "
            "Convert it to float64 or float32 first."
        )


def make_source(
    estimator,
    X,
    sample_weight,
    *,
    n_components,
    random_state,
    cache_features=False,
    missing=None,
    stream=True,
):
    """Validate the training data and choose the source that reads it.

    The one dispatch on the input's type for ``fit``:

    - a Dask array: ``_dask.DaskSource`` (chunks on the scheduler's workers);
    - a memory map or any other sliceable array-like (``h5py``, ``zarr``):
      :class:`StreamSource`, validated page by page as it is read;
    - anything else is validated by scikit-learn; in-memory arrays larger
      than :data:`STREAM_BYTES` are then streamed too (no centred copy),
      smaller ones give an :class:`~._data.ArraySource` (with a feature cache
      if ``cache_features``: the selector's candidates share it).

    ``missing``, when given, makes the source of in-memory data with NaN
    (missing values): ``missing(X, sample_weight)``; without it NaN are
    refused with scikit-learn's error. Errors are scikit-learn's for every
    kind of input. ``stream=False`` keeps in-memory arrays of any size in
    memory (a noise component reads every row at once). Every source reads a
    feature constant to its rounding as constant
    (``_constant.constant_to_rounding``; the streamed ones when read).

    Returns
    -------
    source : ArraySource, StreamSource or DaskSource
    """
    check_not_chunks(estimator, X, method="fit")
    named, X = _dask_frame_as_array(X)
    if _is_dask_array(X) or _is_out_of_core(X):
        _check_shape(estimator, X, ensure_min_samples=2)
        validate_data(estimator, named, skip_check_array=True, reset=True)
        if sample_weight is not None:
            if _is_dask_array(sample_weight):
                # n numbers, not n x d: the weights are brought to the client.
                sample_weight = sample_weight.compute()
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        sample = StartingSample.of(
            X.shape[0], n_components, random_state, sample_weight
        )
        if _is_dask_array(X):
            from ._dask import DaskSource

            return DaskSource.from_array(estimator, X, sample_weight, sample)
        return StreamSource.from_array(estimator, X, sample_weight, sample)
    # Row-major whatever the input (a DataFrame's values are column-major):
    # the same rows in another layout are summed in another order, and EM
    # on nearly singular data amplifies that rounding into other fits.
    X = validate_data(
        estimator,
        X,
        dtype=[np.float64, np.float32],
        order="C",
        ensure_min_samples=2,
        ensure_all_finite=True if missing is None else "allow-nan",
    )
    if sample_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
    X = constant_to_rounding(X, sample_weight)
    if missing is not None and np.isnan(X).any():
        return missing(X, sample_weight)
    if stream and X.nbytes > STREAM_BYTES:
        sample = StartingSample.of(
            X.shape[0], n_components, random_state, sample_weight
        )
        return StreamSource.from_array(
            estimator, X, sample_weight, sample, checked=True
        )
    return ArraySource.from_arrays(X, sample_weight, cache_features=cache_features)


# The fitted numbers whose size decides whether float32 queries can be
# scored in float32 (see _representation.query_dtype).
_SCALES = ("means_", "precisions_cholesky_")


def prediction_source(estimator, X, center, *, missing=None):
    """A validated source for one pass over ``X`` (prediction, scoring).

    ``missing``, when given, makes the source of in-memory rows with NaN:
    ``missing(X, center)`` (marginal densities over the observed features).
    """
    check_not_chunks(estimator, X)
    named, X = _dask_frame_as_array(X)
    parameters = [
        np.asarray(getattr(estimator, name), np.float64)
        for name in _SCALES
        if getattr(estimator, name, None) is not None
    ]
    if _is_dask_array(X) or _is_out_of_core(X):
        _check_shape(estimator, X, ensure_min_samples=1)
        validate_data(estimator, named, skip_check_array=True, reset=False)
        dtype = query_dtype(_working_dtype(X.dtype), parameters)
        if _is_dask_array(X):
            from ._dask import DaskSource

            return DaskSource.for_prediction(estimator, X, center, dtype=dtype)
        return StreamSource.for_prediction(estimator, X, center, dtype=dtype)
    X = validate_data(
        estimator,
        X,
        reset=False,
        dtype=[np.float64, np.float32],
        order="C",  # as in make_source: densities independent of the layout
        ensure_all_finite=True if missing is None else "allow-nan",
    )
    X = X.astype(query_dtype(X.dtype, parameters), copy=False)
    if missing is not None and np.isnan(X).any():
        return missing(X, center)
    if X.nbytes > STREAM_BYTES:
        return StreamSource.for_prediction(estimator, X, center, checked=True)
    return ArraySource.for_prediction(X, center)


class _Rows:
    """What the engine reads of ``source.X``: shape and working dtype.

    ``constant``, when set, is ``(flat, values)``: the features read as
    constant to their rounding (``_constant.flat_to_rounding``) and their
    value, which every read gives them.
    """

    constant = None

    def __init__(self, array, dtype):
        self.array = array
        self.shape = tuple(int(size) for size in array.shape)
        self.dtype = dtype
        self.ndim = 2

    def __getitem__(self, index):
        read = np.asarray(self.array[index], dtype=self.dtype)
        if self.constant is None:
            return read
        columns = slice(None)
        if isinstance(index, tuple):
            if len(index) != 2 or any(part is None or part is ... for part in index):
                raise TypeError(
                    "rows of a streamed source are read as X[rows] or "
                    f"X[rows, columns], not X[{index!r}]"
                )
            columns = index[1]
        # The columns read (an index, a slice, indices or a mask).
        features = np.arange(self.shape[1])[columns]
        flat, values = self.constant
        shape = read.shape
        constant = set_constant(
            read.reshape(-1, np.size(features)), flat[features], values[features]
        )
        return constant.reshape(shape)


def _page_rows(array, dtype):
    """Rows per page: :data:`PAGE_BYTES`, rounded up to the storage chunks."""
    rows = max(1, PAGE_BYTES // (array.shape[1] * np.dtype(dtype).itemsize))
    chunks = getattr(array, "chunks", None)
    if isinstance(chunks, tuple) and chunks and isinstance(chunks[0], int):
        rows = -(-rows // chunks[0]) * chunks[0]
    return int(rows)


class StreamSource:
    """Row pages of a sliceable array, centred block by block when read.

    Nothing of size ``n x d`` is held: each EM iteration reads the data
    once, page by page (:data:`PAGE_BYTES`, rounded to the storage chunks of
    ``h5py`` and ``zarr`` arrays), runs the engine's E-step on the page and
    adds the statistics. Pages of a memory map are released after use, so
    the process's resident memory stays bounded whatever ``n``.

    Attributes
    ----------
    X : object
        ``shape`` and working ``dtype`` (float32 stays float32, anything else
        becomes float64) of the data; indexing reads and converts rows.
    sample_weight : ndarray of shape (n,) or None
    center, total_scatter, weight_sum
        As in :class:`~._data.ArraySource`, computed in one streaming pass.
    sample : ArraySource or None
        The rows the starts are computed from (``_sampling``), centred
        on ``center``.
    """

    centred_X = None
    feature_cache = None
    #: Largest |x| of the rows, found by ``from_array``'s summary pass.
    largest = None

    def __init__(
        self, estimator, array, sample_weight, center, *, checked=False, dtype=None
    ):
        self.name = type(estimator).__name__
        self.X = _Rows(array, _working_dtype(array.dtype) if dtype is None else dtype)
        self.sample_weight = sample_weight
        self.weight_scale = weight_scale(sample_weight)
        # Rounded to the rows' dtype: blocks are centred in it (see _data).
        self.center = representable_center(center, self.X.dtype)
        self.total_scatter = None
        self.mean = None  # the weighted mean where the centre is not it
        with np.errstate(over="ignore"):  # inf: check_squares_fit names it
            self.weight_sum = float(
                self.X.shape[0] if sample_weight is None else np.sum(sample_weight)
            )
        self.sample = None
        self.checked = checked
        self.page_rows = _page_rows(array, self.X.dtype)

    @classmethod
    def from_array(cls, estimator, array, sample_weight, sample, *, checked=False):
        """Summarise the data in one pass: centre, total scatter and sample."""
        d = array.shape[1]
        source = cls(estimator, array, sample_weight, np.zeros(d), checked=checked)
        parts, picked, hashes = [], [], []
        highs, lows = np.full(d, -np.inf), np.full(d, np.inf)
        # Of the rows of positive weight: the features constant to rounding.
        kept_highs, kept_lows = np.full(d, -np.inf), np.full(d, np.inf)
        for rows, block, w in source.pages():
            parts.append(summarise_part(block, w))
            block_highs, block_lows = feature_extremes(block)
            np.maximum(highs, block_highs, out=highs)
            np.minimum(lows, block_lows, out=lows)
            if w is not None:
                block_highs, block_lows = feature_extremes(block[w > 0])
            np.maximum(kept_highs, block_highs, out=kept_highs)
            np.minimum(kept_lows, block_lows, out=kept_lows)
            if sample.needs_hashes:
                hashes.append(row_hashes(block))
            else:
                picked.append(rows_at(sample.positions, rows, block, w))
            # Page by page: an n x d list of arrays is never built.
            parts = [merge_summaries(parts)]
        weight_sum, center, scatter = parts[0]
        if center is None or weight_sum <= 0:
            raise ValueError(
                "All sample weights are zero; at least n_components rows need "
                "a positive weight."
            )
        # Extreme float32 pages (squares beyond float32's reach, or a
        # sentinel far beyond the other values) are read as float64, every
        # one of them, decided as for an in-memory array: from the extremes
        # and the sample (all rows up to its size).
        if sample.needs_hashes:
            sample_X, sample_w = source._rows_at(
                sample.positions_from(np.concatenate(hashes), sample_weight)
            )
        else:
            sample_X, sample_w = joined(picked)
        # As in memory (make_source): constant to rounding is constant, in
        # the rows' own dtype and before the extremes decide another.
        flat = flat_to_rounding(kept_lows, kept_highs, source.X.dtype)
        if flat.any():
            source.X.constant = (flat, kept_lows)
            sample_X = set_constant(sample_X, flat, kept_lows)
            center, scatter = constant_summary(flat, kept_lows, center, scatter)
            highs, lows = (
                np.where(flat, kept_lows, highs),
                np.where(flat, kept_lows, lows),
            )
        dtype = dtype_for_extremes(source.X.dtype, highs, lows, sample_X)
        if dtype != source.X.dtype:
            source.X.dtype = dtype
            source.page_rows = _page_rows(array, dtype)
        # Off the bulk (a few far rows): its medians, read on the sample;
        # the scatter is then about them, as a centred pass would sum it.
        mean = center
        center = bulk_center(center, sample_X, sample_w)[0]
        source.center = representable_center(center, source.X.dtype)
        source.total_scatter = scatter_about(scatter, weight_sum, mean, source.center)
        source.mean = None if np.array_equal(mean, source.center) else mean
        source.weight_sum = weight_sum
        source.largest = max(float(np.max(highs)), -float(np.min(lows)))
        source.sample = ArraySource.from_arrays(
            sample_X.astype(source.X.dtype, copy=False),
            sample_w,
            center=center,
        )
        return source

    def _rows_at(self, positions):
        """The rows at ``positions`` and their weights, in that order (a pass)."""
        ordered = np.sort(positions)
        picked = [
            rows_at(ordered, rows, block, w)
            for rows, block, w in self.pages(wanted=ordered)
        ]
        return in_order(ordered, *joined(picked), positions)

    @classmethod
    def for_prediction(cls, estimator, array, center, *, checked=False, dtype=None):
        """A source for one pass over ``array``, read as ``dtype`` when given.

        float64 for float32 rows when the model's numbers are beyond float32
        (``_representation.query_dtype``).
        """
        return cls(estimator, array, None, center, checked=checked, dtype=dtype)

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
        """A source for one more pass over the same rows (no weights)."""
        source = StreamSource.__new__(StreamSource)
        source.__dict__.update(self.__dict__)
        source.center = representable_center(center, self.X.dtype)
        source.sample_weight, source.sample = None, None
        return source

    def blocks(self, model, n_components):
        """The blocks of one page (they size the engine's thread pool)."""
        width = model.scatter.row_width(n_components, self.n_features)
        rows = min(self.n_rows, self.page_rows)
        return row_blocks(rows, width, self.X.dtype.itemsize)

    def weights_of(self, rows):
        return None if self.sample_weight is None else self.sample_weight[rows]

    def pages(self, wanted=None):
        """``(rows, block, weights)`` for every page, validated when read.

        Only the pages holding a row of ``wanted`` (sorted positions) when
        given.
        """
        for rows in gen_batches(self.n_rows, self.page_rows):
            if wanted is not None and not holds_any(wanted, rows):
                continue
            block = self.X.array[rows]
            if self.checked:
                block = np.asarray(block, dtype=self.X.dtype)
            else:
                block = check_page(
                    block,
                    self.X.dtype,
                    self.name,
                    where="memory map (or other array read in pages)",
                    first_row=rows.start,
                )
            if self.X.constant is not None:
                block = set_constant(block, *self.X.constant)
            yield rows, block, self.weights_of(rows)
            _release_pages(self.X.array, rows)

    def em_step(self, model, params, mapper=map, *, entropy=False):
        """The E-step and statistics, page by page, added (see ``em_step``)."""
        log_likelihood, total, total_entropy = 0.0, None, 0.0
        for _, block, w in self.pages():
            page = ArraySource(
                block,
                w,
                self.center,
                self.total_scatter,
                self.weight_sum,
                weight_scale=self.weight_scale,
            )
            page_log_likelihood, stats = em_step(
                model, page, params, mapper, entropy=entropy
            )
            log_likelihood += page_log_likelihood
            total_entropy += stats.entropy if entropy else 0.0
            if total is None:
                total = stats
            else:
                total += stats
        if entropy:
            total.entropy = total_entropy
        return log_likelihood, total

    def reduce_blocks(self, model, params, reduce):
        """``reduce_blocks`` page by page, stacked.

        Integer results (labels) are int32 (scikit-learn's checks accept
        int32 and int64 labels): ``n`` labels of a streamed fit cost ``4 n``
        bytes, not ``8 n``. Float results are float64 as soon as one page
        gives float64 (float32 rows too far for float32's squares are
        computed in float64, as in memory).
        """
        out = None
        for rows, block, _ in self.pages():
            page = ArraySource.for_prediction(block, self.center)
            part = reduce_blocks(model, page, params, reduce)
            if out is None:
                # Filled in place: a list of parts and their concatenation
                # would hold the result twice.
                per_row = part.size // block.shape[0]
                dtype = np.int32 if part.dtype.kind in "iu" else part.dtype
                out = np.empty(self.n_rows * per_row, dtype=dtype)
            elif part.dtype.kind == "f" and part.dtype.itemsize > out.dtype.itemsize:
                # Cast into float32, the page's log-densities beyond float32
                # would become -inf (with numpy's cast warning).
                out = out.astype(part.dtype)
            out[rows.start * per_row : rows.stop * per_row] = part
        return out


def _release_pages(array, rows):
    """Drop a memory map's pages for ``rows`` from this process's mapping.

    They stay in the operating system's page cache (a later read is a copy
    from memory, not from disk), but no longer count in the process's
    resident memory: ``MADV_DONTNEED`` on a shared file mapping only unmaps.
    Private (copy-on-write) maps keep their pages: there it would discard
    changes.
    """
    handle = getattr(array, "_mmap", None)
    if (
        handle is None
        or getattr(array, "mode", None) not in ("r", "r+", "readonly", "readwrite")
        or not array.flags.c_contiguous
        or not hasattr(handle, "madvise")
    ):
        return
    try:
        base = np.frombuffer(handle, dtype=np.uint8).ctypes.data
        view = array[rows]
        start = view.ctypes.data - base
        end = start + view.nbytes
        del view
        page = mmap.PAGESIZE
        start -= start % page
        handle.madvise(mmap.MADV_DONTNEED, start, end - start)
    except (ValueError, OSError, BufferError):  # pragma: no cover - best effort
        pass
