"""Publishing: the build and the proof, each one pipeline through the stages below it."""
