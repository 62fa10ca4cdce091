"""Empty: the dropout test grades dropout only."""
