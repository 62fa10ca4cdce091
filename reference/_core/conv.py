"""Convolution and pooling by loops over the kernel offsets (spec: layers.py conv_*, *_pool_*, conv1d_full).

Each kernel offset (a, b) selects the strided slice x[..., a + s·i, b + s·j] of all output
positions (i, j) at once, so the loops run HH·WW times, never over pixels.
"""
from . import array_namespace, device, error_bounds


def output_size(size, kernel, stride, pad=0, *, rounding="floor"):
    """1 + ⌊(size + 2·pad − kernel) / stride⌋;  rounding="round": 1 + round((size + 2·pad − kernel) / stride)."""
    if rounding == "round":
        return 1 + round((size + 2 * pad - kernel) / stride)
    return 1 + (size + 2 * pad - kernel) // stride


def _offset_slice(a, b, out_h, out_w, stride):
    """Index of x[..., a + s·i, b + s·j] for i < out_h, j < out_w."""
    return (..., slice(a, a + stride * (out_h - 1) + 1, stride),
            slice(b, b + stride * (out_w - 1) + 1, stride))


def zero_pad(x, pad):
    """x with `pad` zeros on both sides of its last two axes."""
    xp = array_namespace(x)
    *lead, h, w = x.shape
    padded = xp.zeros((*lead, h + 2 * pad, w + 2 * pad), dtype=x.dtype, device=device(x))
    padded[..., pad:pad + h, pad:pad + w] = x
    return padded


def conv2d(x, w, b, stride, pad, *, flip_kernel=False, rounding="floor", row_index="spec"):
    """out[n, f, i, j] = Σ_{c,a,a'} x_pad[n, c, s·i + a, s·j + a'] · w[f, c, a, a'] + b[f] (cross-correlation).

    flip_kernel: true convolution, w flipped along both spatial axes.
    rounding="round": the output size rounded (output_size), windows past the padded input reading zeros.
    row_index="h_times_out_h": an im2col whose row for output position (h, w) is h·out_h + w (the spec's
    h·out_w + w), read back as (out_h, out_w) in row-major order: where out_h ≠ out_w rows collide (the later
    written wins) or stay 0; past the last row it raises, as the student's indexing does.
    """
    xp = array_namespace(x, w, b)
    if flip_kernel:
        w = xp.flip(w, axis=(2, 3))
    num_filters, _, kh, kw = w.shape
    x_pad = zero_pad(x, pad)
    out_h = output_size(x.shape[2], kh, stride, pad, rounding=rounding)
    out_w = output_size(x.shape[3], kw, stride, pad, rounding=rounding)
    extra_h = max(0, stride * (out_h - 1) + kh - x_pad.shape[2])
    extra_w = max(0, stride * (out_w - 1) + kw - x_pad.shape[3])
    if extra_h or extra_w:
        grown = xp.zeros((*x_pad.shape[:2], x_pad.shape[2] + extra_h, x_pad.shape[3] + extra_w), dtype=x.dtype,
                         device=device(x))
        grown[..., :x_pad.shape[2], :x_pad.shape[3]] = x_pad
        x_pad = grown
    out = xp.zeros((x.shape[0], out_h, out_w, num_filters), dtype=x.dtype, device=device(x))
    for di in range(kh):
        for dj in range(kw):
            patch = x_pad[_offset_slice(di, dj, out_h, out_w, stride)]
            out = out + xp.tensordot(patch, w[:, :, di, dj], axes=([1], [1]))
    out = xp.permute_dims(out, (0, 3, 1, 2)) + xp.reshape(b, (1, num_filters, 1, 1))
    return _rows_misindexed(out) if row_index == "h_times_out_h" else out


def _rows_misindexed(out):
    """out (N, F, out_h, out_w) as an im2col indexed by h·out_h + w leaves it (see conv2d's row_index)."""
    xp = array_namespace(out)
    *lead, out_h, out_w = out.shape
    rows = xp.zeros((*lead, out_h * out_w), dtype=out.dtype, device=device(out))
    for h in range(out_h):
        for w in range(out_w):
            if h * out_h + w >= out_h * out_w:
                raise IndexError(f"index {h * out_h + w} is out of bounds for axis 0 with size {out_h * out_w}")
            rows[..., h * out_h + w] = out[..., h, w]
    return xp.reshape(rows, out.shape)


def conv2d_backward(dout, x, w, stride, pad, *, flip_kernel=False, negative_crop=False):
    """dx_pad[n, c, s·i + a, s·j + a'] += Σ_f dout[n, f, i, j] w[f, c, a, a'];
    dx = dx_pad[..., pad:pad + H, pad:pad + W];
    dw[f, c, a, a'] = Σ_{n,i,j} dout[n, f, i, j] x_pad[n, c, s·i + a, s·j + a']; db[f] = Σ_{n,i,j} dout.

    flip_kernel: the gradients of the flipped forward (dw flipped back).
    negative_crop: dx = dx_pad[..., pad:−pad, pad:−pad] (empty when pad = 0).
    """
    xp = array_namespace(dout, x, w)
    if flip_kernel:
        w = xp.flip(w, axis=(2, 3))
    num_filters, channels, kh, kw = w.shape
    x_pad = zero_pad(x, pad)
    dx_pad = xp.zeros_like(x_pad)
    out_h, out_w = dout.shape[2:]
    dw_offsets = []
    for di in range(kh):
        for dj in range(kw):
            window = _offset_slice(di, dj, out_h, out_w, stride)
            dw_offsets.append(xp.tensordot(dout, x_pad[window], axes=([0, 2, 3], [0, 2, 3])))
            dpatch = xp.tensordot(dout, w[:, :, di, dj], axes=([1], [0]))
            dx_pad[window] += xp.permute_dims(dpatch, (0, 3, 1, 2))
    dw = xp.reshape(xp.stack(dw_offsets, axis=-1), (num_filters, channels, kh, kw))
    if flip_kernel:
        dw = xp.flip(dw, axis=(2, 3))
    height, width = x.shape[2:]
    dx = dx_pad[..., pad:-pad, pad:-pad] if negative_crop else dx_pad[..., pad:pad + height, pad:pad + width]
    return dx, dw, xp.sum(dout, axis=(0, 2, 3))


def pool_windows(x, pool_h, pool_w, stride):
    """Windows stacked on a new last axis: windows[..., i, j, a·pool_w + b] = x[..., s·i + a, s·j + b]
    (window entries in row-major order)."""
    xp = array_namespace(x)
    out_h = output_size(x.shape[-2], pool_h, stride)
    out_w = output_size(x.shape[-1], pool_w, stride)
    return xp.stack([x[_offset_slice(a, b, out_h, out_w, stride)]
                     for a in range(pool_h) for b in range(pool_w)], axis=-1)


def _scatter_windows(dwindows, x, pool_h, pool_w, stride):
    """Adjoint of pool_windows: dx[..., s·i + a, s·j + b] += dwindows[..., i, j, a·pool_w + b]."""
    xp = array_namespace(dwindows, x)
    dx = xp.zeros_like(x)
    out_h, out_w = dwindows.shape[-3:-1]
    for a in range(pool_h):
        for b in range(pool_w):
            dx[_offset_slice(a, b, out_h, out_w, stride)] += dwindows[..., a * pool_w + b]
    return dx


def _one_hot(index, size):
    """one_hot[..., k] = (k == index[...]), k < size (xp.argmax returns the first maximum)."""
    xp = array_namespace(index)
    return xp.arange(size, device=device(index)) == xp.expand_dims(index, axis=-1)


def max_pool(x, pool_h, pool_w, stride, *, width_from_height=False):
    """out[..., i, j] = max over the window at (s·i, s·j).

    width_from_height: the output width taken from pool_height, 1 + ⌊(W − pool_height)/s⌋, each window
    x[..., s·i:s·i + pool_h, s·j:s·j + pool_w] cut short by the edge as slicing does (an empty one raises).
    """
    xp = array_namespace(x)
    if width_from_height:
        out_h, out_w = output_size(x.shape[-2], pool_h, stride), output_size(x.shape[-1], pool_h, stride)
        out = xp.zeros((*x.shape[:-2], out_h, out_w), dtype=x.dtype, device=device(x))
        for i in range(out_h):
            for j in range(out_w):
                window = x[..., stride * i:stride * i + pool_h, stride * j:stride * j + pool_w]
                if window.shape[-1] == 0:
                    raise ValueError("zero-size array to reduction operation maximum which has no identity")
                out[..., i, j] = xp.max(window, axis=(-2, -1))
        return out
    return xp.max(pool_windows(x, pool_h, pool_w, stride), axis=-1)


def max_pool_backward(dout, x, pool_h, pool_w, stride, *, ties="first", overwrite=False):
    """dout[..., i, j] goes to the window's maximum: the first in row-major order (spec),
    the last (ties="last"), or every maximal entry (ties="all").
    overwrite: dx[window] = (routed gradient) window by window in row-major order, so where windows
    overlap the later window's values replace the earlier ones' (= in place of +=)."""
    xp = array_namespace(dout, x)
    windows = pool_windows(x, pool_h, pool_w, stride)
    size = windows.shape[-1]
    if ties == "all":
        routed = windows == xp.max(windows, axis=-1, keepdims=True)
    elif ties == "first":
        routed = _one_hot(xp.argmax(windows, axis=-1), size)
    elif ties == "last":
        routed = _one_hot(size - 1 - xp.argmax(xp.flip(windows, axis=-1), axis=-1), size)
    else:
        raise ValueError(f"ties must be 'first', 'last' or 'all', not {ties!r}")
    dwindows = xp.expand_dims(dout, axis=-1) * xp.astype(routed, dout.dtype)
    if overwrite:
        return _assign_windows(dwindows, x, pool_h, pool_w, stride)
    return _scatter_windows(dwindows, x, pool_h, pool_w, stride)


def _assign_windows(dwindows, x, pool_h, pool_w, stride):
    """dx[..., s·i:s·i + pool_h, s·j:s·j + pool_w] = dwindows[..., i, j, :] window by window (row-major)."""
    xp = array_namespace(dwindows, x)
    dx = xp.zeros_like(x)
    out_h, out_w = dwindows.shape[-3:-1]
    for i in range(out_h):
        for j in range(out_w):
            window = xp.reshape(dwindows[..., i, j, :], (*dwindows.shape[:-3], pool_h, pool_w))
            dx[..., stride * i:stride * i + pool_h, stride * j:stride * j + pool_w] = window
    return dx


def avg_pool(x, pool_h, pool_w, stride):
    """out[..., i, j] = mean over the window at (s·i, s·j)."""
    xp = array_namespace(x)
    return xp.mean(pool_windows(x, pool_h, pool_w, stride), axis=-1)


def avg_pool_backward(dout, x, pool_h, pool_w, stride, *, divide=True):
    """dx[window entries] += dout / (pool_h · pool_w); divide=False leaves out the 1/(pool_h · pool_w)."""
    xp = array_namespace(dout, x)
    share = dout / (pool_h * pool_w) if divide else dout
    dwindows = xp.broadcast_to(xp.expand_dims(share, axis=-1), (*dout.shape, pool_h * pool_w))
    return _scatter_windows(dwindows, x, pool_h, pool_w, stride)


def conv1d_full(x, w, *, correlate=False):
    """z_i = Σ_j w_j x_{i−j} (0-based), i < d + k − 1: np.convolve(x, w, 'full');
    correlate=True: kernel not flipped, np.correlate(x, w, 'full')."""
    xp = array_namespace(x, w)
    if correlate:
        w = xp.flip(w)
    d, k = x.shape[0], w.shape[0]
    x_pad = xp.zeros((d + 2 * (k - 1),), dtype=x.dtype, device=device(x))
    x_pad[k - 1:k - 1 + d] = x
    z = xp.zeros((d + k - 1,), dtype=x.dtype, device=device(x))
    for j in range(k):
        z = z + w[j] * x_pad[k - 1 - j:k - 1 - j + d + k - 1]
    return z


error_bounds.follow(globals())  # float inputs enter the rounding mode as Bounded (reference.error_bounds)
