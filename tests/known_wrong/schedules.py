"""Plausible wrong implementations of schedules.py, one per check, each caught by that check."""

KNOWN_WRONG = {
    "schedules.time_based_decay/oracle": '''
def time_based_decay(lr0, decay_rate, epoch):
    """Divides by decay_rate·epoch without the 1 (and guards epoch 0)."""
    return lr0 / max(decay_rate * epoch, 1.0)
''',
    "schedules.time_based_decay/monotone": '''
def time_based_decay(lr0, decay_rate, epoch):
    """Multiplies by 1 + k·epoch instead of dividing."""
    return lr0 * (1 + decay_rate * epoch)
''',
    "schedules.step_decay/oracle": '''
def step_decay(lr0, drop_rate, epochs_drop, epoch):
    """Counts the drops from 1: drop^⌊(epoch + epochs_drop)/epochs_drop⌋."""
    return lr0 * drop_rate ** ((epoch + epochs_drop) // epochs_drop)
''',
    "schedules.step_decay/monotone": '''
def step_decay(lr0, drop_rate, epochs_drop, epoch):
    """Divides by drop^⌊epoch/epochs_drop⌋."""
    return lr0 / drop_rate ** (epoch // epochs_drop)
''',
    "schedules.step_decay/step_windows": '''
def step_decay(lr0, drop_rate, epochs_drop, epoch):
    """Drops one epoch early: ⌊(epoch + 1)/epochs_drop⌋."""
    return lr0 * drop_rate ** ((epoch + 1) // epochs_drop)
''',
    "schedules.exponential_decay/oracle": '''
import math

def exponential_decay(lr0, k, t):
    """Uses base 10: 10^(−k t)."""
    return lr0 * 10 ** (-k * t)
''',
    "schedules.exponential_decay/monotone": '''
import math

def exponential_decay(lr0, k, t):
    """Forgets the minus sign: e^(k t)."""
    return lr0 * math.exp(k * t)
''',
    "schedules.power_decay/oracle": '''
def power_decay(lr0, d, epoch):
    """Off by one in the exponent: d^(epoch + 1)."""
    return lr0 * d ** (epoch + 1)
''',
    "schedules.power_decay/monotone": '''
def power_decay(lr0, d, epoch):
    """Swaps base and exponent: epoch^d."""
    return lr0 * max(epoch, 1) ** d
''',
    "schedules.inverse_sqrt_decay/oracle": '''
import math

def inverse_sqrt_decay(lr0, d, epoch):
    """Leaves out the factor d."""
    return lr0 / math.sqrt(epoch)
''',
    "schedules.inverse_sqrt_decay/monotone": '''
import math

def inverse_sqrt_decay(lr0, d, epoch):
    """Multiplies by √epoch instead of dividing."""
    return lr0 * d * math.sqrt(epoch)
''',
}
