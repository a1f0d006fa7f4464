"""Small NumPy helpers shared by the assignments' NumPy exercises."""
import numpy as np


def sigmoid(x):
    """Logistic function, element-wise."""
    return 1.0 / (1.0 + np.exp(-x))


def columns_from_trax_kernel(kernel, n_x):
    """A Trax recurrent cell's kernel (n_x + n_h, n_h), rows ordered ``[x; h]``, as the
    course's (n_h, n_h + n_x) matrix acting on the column ``[h; x]``."""
    kernel = np.asarray(kernel, dtype=np.float64)
    return np.concatenate([kernel[n_x:], kernel[:n_x]]).T
