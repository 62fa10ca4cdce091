"""A submission's prints cost nothing: the worker's standard streams are /dev/null, so print() there formats
nothing (str() of each array was the whole cost of a print flood: a 2 s grade took 56 s). Counted, not timed:
the values a flood would format are never turned into text."""
from dlgrade.checks.policy import profile
from dlgrade.sandbox import Sandbox, resolve

SOURCE = '''
import sys
formatted = 0

class Counted:
    def __str__(self):
        global formatted
        formatted += 1
        return "counted"

def flood(n):
    for _ in range(n):
        print("step", Counted(), Counted())
        print(Counted(), file=sys.stderr)
        print(Counted(), file=sys.stdout, flush=True)
    return formatted

def to_own_file(name):
    with open(name, "w") as f:
        print("kept", Counted(), sep="|", end="!", file=f)
    with open(name) as f:
        return f.read()
'''


def test_a_print_flood_formats_nothing_and_a_print_to_a_file_still_writes(tmp_path):
    (tmp_path / "mod.py").write_text(SOURCE)
    default = profile.load()
    with Sandbox(resolve(tmp_path), call_timeout=default.call_timeout, import_timeout=default.import_timeout) as box:
        assert box.call("mod", "flood", (1000,)).value == 0
        assert box.call("mod", "to_own_file", ("printed.txt",)).value == "kept|counted!"
