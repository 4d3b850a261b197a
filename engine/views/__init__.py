"""Views render a stage's result for humans or machines; they never decide anything."""
