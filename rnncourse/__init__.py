"""rnncourse: the NumPy reference, bridges and data of the RNN course."""
