"""The Keras and PyTorch versions of the chapters' models, one module per chapter topic.

The book shows these functions next to the NumPy reference (literalinclude), and the
chapters run them, so what a reader sees is what executes.
"""
