# Make the working directory hard to remove: folders without permissions, full of files; and try
# to write into the submission's own folder.
import os

_oracle_sgd = sgd


def sgd(w, dw, config=None):
    _plant()
    here = os.getcwd()
    if os.path.exists(os.path.join(here, "locked0")):
        return _oracle_sgd(w, dw, config)
    for i in range(20):
        folder = os.path.join(here, f"locked{i}", "deeper")
        os.makedirs(folder, exist_ok=True)
        open(os.path.join(folder, "file"), "w").write("x")
        os.chmod(folder, 0)
        os.chmod(os.path.dirname(folder), 0o500)
    os.chmod(here, 0o500)
    for root in {os.path.dirname(os.path.abspath(__file__)), HOST["submission"]}:
        try:
            open(os.path.join(root, "planted.py"), "w").write("x = 1")
        except OSError:
            pass
    return _oracle_sgd(w, dw, config)
