"""ecgcc: compile ECG arrhythmia models to bit-exact int8 C and prove them on the device."""

__version__ = "0.1.0"
