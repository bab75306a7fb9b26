"""The models of the application chapters: sentiment, forecasting, text generation, speech."""
from __future__ import annotations

from ._draft import draft


def sentiment_model():
    return draft("sentiment model", ["$E$", "$h_T$", r"$\sigma$"])


def forecast_windows():
    return draft("forecast windows", ["$s_t$", "$R$"])


def generation_loop():
    return draft("generation loop", [r"$\tau$", "$p$"])


def speech_pipeline():
    return draft("speech pipeline", ["$x_t$", "$h_T$"])
