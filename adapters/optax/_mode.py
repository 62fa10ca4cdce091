"""Which answer this adapter gives (adapters/matrix.py). False: the formula's, the spec's hyperparameters and
initial state passed wherever a call leaves them out. True: the library's own defaults and initial state there;
the matrix's defaults column grades a copy of this folder with True."""
LIBRARY_DEFAULTS = False
