# At import, leave a grandchild in its own session that outlives the grade and rewrites the
# results (and plants files) afterwards.
import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        deadline = time.time() + HOST["daemon_seconds"]
        while time.time() < deadline:
            for path in [HOST["results"], *HOST["canaries"]]:
                try:
                    with open(path, "w") as file:
                        file.write('{"score": 162, "max_score": 162}')
                except OSError:
                    pass
            time.sleep(0.1)
    os._exit(0)
