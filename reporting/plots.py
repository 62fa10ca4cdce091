"""Figures as PNG bytes, shared by the class report and a student's page (matplotlib: the optional extra `batch`)."""
import io


def png(figure):
    """The figure's PNG bytes, laid out tight at 90 dpi; the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return buffer.getvalue()
