import os

# TensorFlow prints pages of start-up logs; the tests want only their own output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
