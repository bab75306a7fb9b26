"""A first draft of a diagram not drawn yet: its name in a box, so the book builds meanwhile."""
from . import style


def draft(title, symbols):
    fig, ax = style.canvas(12, 3)
    style.box(ax, 6, 1.9, title, w=8, h=0.8, kind="cell")
    style.text(ax, 6, 0.8, "   ".join(symbols))
    return fig
