"""JAX on the CPU with float64 enabled (jax_enable_x64), before anything else imports jax.numpy."""
import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
