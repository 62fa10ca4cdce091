import numpy as np

from cs231n.im2col_cython import col2im_cython, im2col_cython  # built by python setup.py build_ext --inplace


def conv_forward_im2col(x, w, b, conv_param):
    """A fast implementation of the forward pass for a convolutional layer based on im2col and col2im."""
    N, C, H, W = x.shape
    num_filters, _, filter_height, filter_width = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    out_height = (H + 2 * pad - filter_height) // stride + 1
    out_width = (W + 2 * pad - filter_width) // stride + 1
    x_cols = im2col_cython(x, w.shape[2], w.shape[3], pad, stride)
    res = w.reshape((w.shape[0], -1)).dot(x_cols) + b.reshape(-1, 1)
    out = res.reshape(w.shape[0], out_height, out_width, x.shape[0]).transpose(3, 0, 1, 2)
    return out, (x, w, b, conv_param, x_cols)


conv_forward_fast = conv_forward_im2col
