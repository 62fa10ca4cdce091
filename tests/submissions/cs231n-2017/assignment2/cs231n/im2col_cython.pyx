# a Cython extension of the course's (built with python setup.py build_ext --inplace)
cimport numpy as np
