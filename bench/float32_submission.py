"""The checks that a careful float32 implementation (tests/submissions/float32) fails under the float32 column.

    python bench/float32_submission.py 4 20            # seeds 0..3, 20 examples each, from a checkout's root
    python bench/float32_submission.py 8 50 4          # seeds 4..7, 50 examples

Graded in-process with tests/grading.py's quick profile (dtype float32); prints the failing check ids per seed and,
last, all of them as JSON (bench/results/float32_submission.json holds the figures before and after issue 19).
"""
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))


def main(seeds, max_examples, first=0):
    from tests.grading import failing, grade
    from tests.test_false_positives import float32_submission
    submission = float32_submission(Path(tempfile.mkdtemp()))
    failed = {}
    for seed in range(first, seeds):
        report = grade(submission, dtype="float32", jobs=1, seed=seed, max_examples=max_examples)
        failed[seed] = sorted(r.id for r in failing(report))
        print(seed, len(report.results), failed[seed], flush=True)
    print(json.dumps(failed))


if __name__ == "__main__":
    main(*map(int, sys.argv[1:4]))
