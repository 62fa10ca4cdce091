"""What a course tunes: the tolerance table and grading profiles (the bundled ones in profiles/)."""
